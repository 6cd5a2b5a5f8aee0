import type { Account } from '../identity/index.js';
import { markup, type SafeHtml } from './html.js';
import type { FieldProblem } from './service.js';
import { MESSAGES, type Language, type Messages } from './i18n.js';
import { MIN_PASSWORD_LENGTH } from '../identity/index.js';

/** What every page knows of its request. */
export interface PageContext {
  t: Messages;
  lang: Language;
  /** The signed-in account, if any. */
  account: Account | undefined;
  /** The token every form of the page sends back (CSRF). */
  csrf: string;
  /** The path of the page, for the navigation and the language switch. */
  path: string;
  /** Whether the mailbox shows every mail to anyone (development). */
  openMailbox: boolean;
}

/** Another site of the platform in the portal's layout (the owner dashboard): its own name,
 * navigation, session controls and assets. */
export interface SiteChrome {
  name: string;
  home: string;
  /** The items of the main navigation (`<li>` elements). */
  nav: SafeHtml[];
  session: SafeHtml;
  styles?: readonly string[];
  scripts?: readonly string[];
}

/** The hidden field that carries the CSRF token in every form. */
export function csrfField(ctx: PageContext): SafeHtml {
  return markup`<input type="hidden" name="_csrf" value="${ctx.csrf}" />`;
}

function navLink(ctx: PageContext, href: string, label: string): SafeHtml {
  const current =
    href === '/' ? ctx.path === '/' : ctx.path === href || ctx.path.startsWith(`${href}/`);
  return markup`<li><a href="${href}" ${current ? markup` aria-current="page"` : ''}>${label}</a></li>`;
}

/** A whole page: header with navigation and language switch, the content, the footer. */
export function page(
  ctx: PageContext,
  options: { title: string; body: SafeHtml; narrow?: boolean; site?: SiteChrome },
): string {
  const { t, account } = ctx;
  const other: Language = ctx.lang === 'en' ? 'fr' : 'en';
  const { site } = options;
  const nav = site?.nav ?? [
    navLink(ctx, '/', t.navHome),
    navLink(ctx, '/products', t.navProducts),
    markup`<li><a href="/docs">${t.navApiReference}</a></li>`,
    account ? navLink(ctx, '/profile', t.navProfile) : '',
    account?.role === 'developer' || account?.role === 'admin'
      ? navLink(ctx, '/clients', t.navClients)
      : '',
    account?.role === 'admin' ? navLink(ctx, '/admin', t.navAdmin) : '',
    account || ctx.openMailbox ? navLink(ctx, '/mailbox', t.navMailbox) : '',
  ];
  const session = site
    ? site.session
    : account
      ? markup`<span>${t.signedInAs(account.email)}</span>
        <form class="inline-form" method="post" action="/signout">
          ${csrfField(ctx)}<button class="link-button" type="submit">${t.signOut}</button>
        </form>`
      : markup`<a href="/signin">${t.navSignIn}</a> <a href="/signup">${t.navSignUp}</a>`;
  const switchTo = `/language/${other}?back=${encodeURIComponent(ctx.path)}`;
  return markup`<!doctype html>
    <html lang="${ctx.lang}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${options.title} · ${site?.name ?? t.siteName}</title>
        <link rel="stylesheet" href="/assets/portal.css" />
        ${(site?.styles ?? []).map((href) => markup`<link rel="stylesheet" href="${href}" />`)}
        <script src="/assets/portal.js" defer></script>
        ${(site?.scripts ?? []).map((src) => markup`<script src="${src}" defer></script>`)}
      </head>
      <body>
        <a class="skip-link" href="#content">${t.skipToContent}</a>
        <header class="site">
          <div class="bar">
            <a class="brand" href="${site?.home ?? '/'}">${site?.name ?? t.siteName}</a>
            <nav class="main" aria-label="${t.mainNavigation}">
              <ul>
                ${nav}
              </ul>
            </nav>
            <div class="session">
              ${session}
              <a href="${switchTo}" lang="${other}" hreflang="${other}"
                >${MESSAGES[other].languageName}</a
              >
            </div>
          </div>
        </header>
        <main id="content" ${options.narrow ? markup` class="narrow"` : ''}>${options.body}</main>
        <footer class="site">${t.footer}</footer>
      </body>
    </html>`.value;
}

/** The words of a field's problem. */
export function problemText(t: Messages, label: string, problem: FieldProblem): string {
  switch (problem.problem) {
    case 'required':
      return t.fieldRequired(label);
    case 'invalidEmail':
      return t.invalidEmail;
    case 'passwordTooShort':
      return t.passwordTooShort(MIN_PASSWORD_LENGTH);
    case 'tooLong':
      return t.nameTooLong;
    case 'invalidRedirectUri':
      return t.invalidRedirectUri;
  }
}

/** A form's problems, listed first, each linking to its field (read first by screen readers). */
export function errorSummary(
  t: Messages,
  problems: readonly FieldProblem[],
  labels: Record<string, string>,
): SafeHtml | '' {
  if (problems.length === 0) return '';
  return markup`<div class="error-summary" role="alert" tabindex="-1">
    <h2>${t.errorSummary}</h2>
    <ul>
      ${problems.map(
        (p) =>
          markup`<li><a href="#${p.field}">${problemText(t, labels[p.field] ?? p.field, p)}</a></li>`,
      )}
    </ul>
  </div>`;
}

/** A labelled input, with its hint and its problem tied to it for assistive technology. */
export function field(
  t: Messages,
  options: {
    name: string;
    label: string;
    type?: 'text' | 'email' | 'password';
    value?: string;
    autocomplete?: string;
    hint?: string;
    required?: boolean;
    problems?: readonly FieldProblem[];
  },
): SafeHtml {
  const { name } = options;
  const problem = options.problems?.find((p) => p.field === name);
  const described = [options.hint ? `${name}-hint` : '', problem ? `${name}-error` : '']
    .filter(Boolean)
    .join(' ');
  return markup`<label for="${name}">${options.label}</label>
    ${options.hint ? markup`<p class="hint" id="${name}-hint">${options.hint}</p>` : ''}
    ${problem ? markup`<p class="field-error" id="${name}-error">${problemText(t, options.label, problem)}</p>` : ''}
    <input
      id="${name}"
      name="${name}"
      type="${options.type ?? 'text'}"
      ${
        options.value !== undefined && options.type !== 'password'
          ? markup` value="${options.value}"`
          : ''
      }${options.autocomplete ? markup` autocomplete="${options.autocomplete}"` : ''}${
        options.required === false ? '' : markup` required`
      }${described ? markup` aria-describedby="${described}"` : ''}${problem ? markup` aria-invalid="true"` : ''}
    />`;
}

/** A date as the page's language writes it, in UTC. */
export function formatDate(lang: Language, iso: string): string {
  return `${new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: 'UTC',
  }).format(new Date(iso))} UTC`;
}
