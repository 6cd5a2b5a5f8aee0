import { markup } from '../html.js';
import { csrfField, errorSummary, field, formatDate, page, type PageContext } from '../layout.js';
import type { DeveloperClient, FieldProblem } from '../service.js';
import type { FormValues } from './account.js';

/** A client just registered: its id, and its secret shown once when it is confidential. */
export interface NewClient {
  name: string;
  clientId: string;
  secret: string | null;
}

/** The developer's OAuth clients, and the form that registers one. */
export function clientsPage(
  ctx: PageContext,
  clients: readonly DeveloperClient[],
  options: {
    created?: NewClient;
    notice?: string;
    values?: FormValues;
    problems?: readonly FieldProblem[];
  } = {},
): string {
  const { t } = ctx;
  const problems = options.problems ?? [];
  const values = options.values ?? {};
  const created = options.created;
  const shown = created
    ? markup`<section class="notice" role="status" aria-labelledby="new-client-title">
        <h2 id="new-client-title">${t.clientRegistered(created.name)}</h2>
        <dl class="facts">
          <dt>${t.clientId}</dt>
          <dd><code id="new-client-id">${created.clientId}</code></dd>
        </dl>
        ${
          created.secret
            ? markup`<h3>${t.clientSecretTitle}</h3>
                <p>${t.clientSecretText}</p>
                <div class="secret">
                  <code id="new-client-secret">${created.secret}</code>
                  <button
                    type="button"
                    class="secondary"
                    data-copy="new-client-secret"
                    data-copied="${t.copied}"
                    hidden
                  >
                    ${t.copy}
                  </button>
                </div>`
            : ''
        }
      </section>`
    : '';
  const list =
    clients.length === 0
      ? markup`<p>${t.noClients}</p>`
      : markup`<div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">${t.clientName}</th>
                <th scope="col">${t.clientId}</th>
                <th scope="col">${t.redirectUris}</th>
                <th scope="col">${t.clientType}</th>
                <th scope="col">${t.created}</th>
                <th scope="col"><span class="visually-hidden">${t.deleteClient}</span></th>
              </tr>
            </thead>
            <tbody>
              ${clients.map(
                (c) =>
                  markup`<tr>
                    <td>${c.name}</td>
                    <td><code>${c.clientId}</code></td>
                    <td>${c.redirectUris.map((uri) => markup`<div>${uri}</div>`)}</td>
                    <td>${c.type === 'public' ? t.clientPublic : t.clientConfidential}</td>
                    <td>${formatDate(ctx.lang, c.createdAt)}</td>
                    <td>
                      <form
                        class="inline-form"
                        method="post"
                        action="/clients/${c.clientId}/delete"
                      >
                        ${csrfField(ctx)}<button
                          class="danger"
                          type="submit"
                          aria-label="${t.deleteClient}: ${c.name}"
                        >
                          ${t.deleteClient}
                        </button>
                      </form>
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>
        </div>`;
  const type = values.type === 'confidential' ? 'confidential' : 'public';
  return page(ctx, {
    title: t.clientsTitle,
    body: markup`<h1>${t.clientsTitle}</h1>
      ${options.notice ? markup`<p class="notice" role="status">${options.notice}</p>` : ''} ${shown}
      <p>${t.clientsIntro}</p>
      ${list}
      <h2>${t.registerClient}</h2>
      ${errorSummary(t, problems, { clientName: t.clientName, redirectUris: t.redirectUris })}
      <form method="post" action="/clients" novalidate>
        ${csrfField(ctx)}
        ${field(t, { name: 'clientName', label: t.clientName, value: values.clientName, problems })}
        <label for="redirectUris">${t.redirectUris}</label>
        <p class="hint" id="redirectUris-hint">${t.redirectUrisHint}</p>
        ${(() => {
          const problem = problems.find((p) => p.field === 'redirectUris');
          return problem
            ? markup`<p class="field-error" id="redirectUris-error">
                ${problem.problem === 'required' ? t.fieldRequired(t.redirectUris) : t.invalidRedirectUri}
              </p>`
            : '';
        })()}
        <textarea
          id="redirectUris"
          name="redirectUris"
          rows="3"
          required
          aria-describedby="redirectUris-hint${problems.some((p) => p.field === 'redirectUris') ? ' redirectUris-error' : ''}"
          ${problems.some((p) => p.field === 'redirectUris') ? markup` aria-invalid="true"` : ''}
        >
${values.redirectUris ?? ''}</textarea>
        <fieldset>
          <legend>${t.clientType}</legend>
          <div>
            <input
              type="radio"
              id="type-public"
              name="type"
              value="public"
              ${type === 'public' ? markup` checked` : ''}
            />
            <label class="inline" for="type-public">${t.clientPublic}</label>
          </div>
          <div>
            <input
              type="radio"
              id="type-confidential"
              name="type"
              value="confidential"
              ${type === 'confidential' ? markup` checked` : ''}
            />
            <label class="inline" for="type-confidential">${t.clientConfidential}</label>
          </div>
        </fieldset>
        <button type="submit">${t.registerClient}</button>
      </form>`,
  });
}
