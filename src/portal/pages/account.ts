import { MIN_PASSWORD_LENGTH } from '../../identity/index.js';
import { markup } from '../html.js';
import { csrfField, errorSummary, field, page, type PageContext } from '../layout.js';
import type { FieldProblem, LinkOutcome } from '../service.js';

/** The values a refused form is shown again with (never the password). */
export type FormValues = Record<string, string | undefined>;

/** Sign-up: names, address, password. */
export function signUpPage(
  ctx: PageContext,
  values: FormValues = {},
  problems: readonly FieldProblem[] = [],
): string {
  const { t } = ctx;
  const labels = {
    firstName: t.firstName,
    lastName: t.lastName,
    email: t.email,
    password: t.password,
  };
  return page(ctx, {
    title: t.signUpTitle,
    narrow: true,
    body: markup`<h1>${t.signUpTitle}</h1>
      ${errorSummary(t, problems, labels)}
      <p>${t.signUpIntro}</p>
      <form method="post" action="/signup" novalidate>
        ${csrfField(ctx)}
        ${field(t, { name: 'firstName', label: t.firstName, value: values.firstName, autocomplete: 'given-name', problems })}
        ${field(t, { name: 'lastName', label: t.lastName, value: values.lastName, autocomplete: 'family-name', problems })}
        ${field(t, { name: 'email', label: t.email, type: 'email', value: values.email, autocomplete: 'email', problems })}
        ${field(t, { name: 'password', label: t.password, type: 'password', autocomplete: 'new-password', hint: t.passwordHint(MIN_PASSWORD_LENGTH), problems })}
        <button type="submit">${t.signUpSubmit}</button>
      </form>
      <p>${t.haveAccount} <a href="/signin">${t.navSignIn}</a></p>`,
  });
}

/** After sign-up: where the confirmation went. */
export function checkMailPage(ctx: PageContext, email: string): string {
  const { t } = ctx;
  return page(ctx, {
    title: t.checkMailTitle,
    narrow: true,
    body: markup`<h1>${t.checkMailTitle}</h1>
      <p class="notice" role="status">${t.checkMailText(email)}</p>`,
  });
}

/** What a single-use link turned out to be, when it did not work. */
export function linkFailedPage(ctx: PageContext, outcome: Exclude<LinkOutcome, 'done'>): string {
  const { t } = ctx;
  const text = { expired: t.linkExpired, used: t.linkUsed, unknown: t.linkUnknown }[outcome];
  return page(ctx, {
    title: t.linkInvalidTitle,
    narrow: true,
    body: markup`<h1>${t.linkInvalidTitle}</h1>
      <p>${text}</p>
      <p><a href="/signin">${t.navSignIn}</a></p>`,
  });
}

/** Sign-in, with a message above the form (confirmed, password changed, refused…). */
export function signInPage(
  ctx: PageContext,
  options: {
    email?: string;
    next?: string;
    notice?: string;
    error?: string;
    problems?: readonly FieldProblem[];
  } = {},
): string {
  const { t } = ctx;
  const problems = options.problems ?? [];
  return page(ctx, {
    title: t.signInTitle,
    narrow: true,
    body: markup`<h1>${t.signInTitle}</h1>
      ${options.notice ? markup`<p class="notice" role="status">${options.notice}</p>` : ''}
      ${options.error ? markup`<div class="error-summary" role="alert"><p>${options.error}</p></div>` : ''}
      ${errorSummary(t, problems, { email: t.email, password: t.password })}
      <form method="post" action="/signin" novalidate>
        ${csrfField(ctx)}
        ${options.next ? markup`<input type="hidden" name="next" value="${options.next}" />` : ''}
        ${field(t, { name: 'email', label: t.email, type: 'email', value: options.email, autocomplete: 'username', problems })}
        ${field(t, { name: 'password', label: t.password, type: 'password', autocomplete: 'current-password', problems })}
        <button type="submit">${t.signInSubmit}</button>
      </form>
      <p><a href="/password/forgot">${t.forgotPassword}</a></p>
      <p>${t.noAccount} <a href="/signup">${t.navSignUp}</a></p>`,
  });
}

/** Asks for the address whose password is to be reset; or says the link is on its way. */
export function forgotPage(
  ctx: PageContext,
  options: { email?: string; sentTo?: string; problems?: readonly FieldProblem[] } = {},
): string {
  const { t } = ctx;
  const problems = options.problems ?? [];
  const body = options.sentTo
    ? markup`<h1>${t.forgotTitle}</h1>
        <p class="notice" role="status">${t.forgotSent(options.sentTo)}</p>`
    : markup`<h1>${t.forgotTitle}</h1>
        ${errorSummary(t, problems, { email: t.email })}
        <p>${t.forgotIntro}</p>
        <form method="post" action="/password/forgot" novalidate>
          ${csrfField(ctx)}
          ${field(t, { name: 'email', label: t.email, type: 'email', value: options.email, autocomplete: 'email', problems })}
          <button type="submit">${t.forgotSubmit}</button>
        </form>`;
  return page(ctx, { title: t.forgotTitle, narrow: true, body });
}

/** The new password form of a reset link. */
export function resetPage(
  ctx: PageContext,
  token: string,
  problems: readonly FieldProblem[] = [],
): string {
  const { t } = ctx;
  return page(ctx, {
    title: t.resetTitle,
    narrow: true,
    body: markup`<h1>${t.resetTitle}</h1>
      ${errorSummary(t, problems, { password: t.newPassword })}
      <form method="post" action="/password/reset/${token}" novalidate>
        ${csrfField(ctx)}
        ${field(t, { name: 'password', label: t.newPassword, type: 'password', autocomplete: 'new-password', hint: t.passwordHint(MIN_PASSWORD_LENGTH), problems })}
        <button type="submit">${t.resetSubmit}</button>
      </form>`,
  });
}
