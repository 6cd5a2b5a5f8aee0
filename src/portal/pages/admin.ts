import type { Account } from '../../identity/index.js';
import { markup } from '../html.js';
import { csrfField, formatDate, page, type PageContext } from '../layout.js';

/** A subscription in the administrator's queue. */
export interface QueuedSubscription {
  id: string;
  name: string;
  state: string;
  product_name: string;
  account_email: string;
  account_first_name: string | null;
  account_last_name: string | null;
  created_at: string;
  updated_at: string;
  decision_reason: string | null;
}

/** The administration's own navigation. */
export function adminNav(ctx: PageContext) {
  const { t } = ctx;
  const links: [string, string][] = [
    ['/admin/subscriptions', t.adminSubscriptions],
    ['/admin/accounts', t.adminAccounts],
    ['/admin/devices', t.adminDevices],
    ['/admin/webhooks', t.adminWebhooks],
    ['/mailbox', t.adminMail],
  ];
  return markup`<nav aria-label="${t.adminTitle}">
    <ul>
      ${links.map(
        ([href, label]) =>
          markup`<li>
            <a href="${href}" ${ctx.path === href ? markup` aria-current="page"` : ''}>${label}</a>
          </li>`,
      )}
    </ul>
  </nav>`;
}

/** The administration's front page. */
export function adminPage(ctx: PageContext): string {
  return page(ctx, {
    title: ctx.t.adminTitle,
    body: markup`<h1>${ctx.t.adminTitle}</h1>
      ${adminNav(ctx)}`,
  });
}

function developer(s: QueuedSubscription): string {
  const name = [s.account_first_name, s.account_last_name].filter(Boolean).join(' ');
  return name ? `${name} <${s.account_email}>` : s.account_email;
}

/** Pending subscriptions to approve or reject, and the latest decided ones. */
export function subscriptionsPage(
  ctx: PageContext,
  queue: { pending: readonly QueuedSubscription[]; decided: readonly QueuedSubscription[] },
  notice?: string,
): string {
  const { t } = ctx;
  const pending = queue.pending.map(
    (s) =>
      markup`<tr>
        <td>${developer(s)}</td>
        <td>${s.name}</td>
        <td>${s.product_name}</td>
        <td>${formatDate(ctx.lang, s.created_at)}</td>
        <td>
          <form class="inline-form" method="post" action="/admin/subscriptions/${s.id}/approve">
            ${csrfField(ctx)}<button
              type="submit"
              aria-label="${t.approve}: ${s.name}, ${s.account_email}"
            >
              ${t.approve}
            </button>
          </form>
          <form method="post" action="/admin/subscriptions/${s.id}/reject">
            ${csrfField(ctx)} <label for="reason-${s.id}">${t.reason}</label
            ><input type="text" id="reason-${s.id}" name="reason" maxlength="500" />
            <button
              class="danger"
              type="submit"
              aria-label="${t.reject}: ${s.name}, ${s.account_email}"
            >
              ${t.reject}
            </button>
          </form>
        </td>
      </tr>`,
  );
  const decided = queue.decided.map(
    (s) =>
      markup`<tr>
        <td>${developer(s)}</td>
        <td>${s.name}</td>
        <td>${s.product_name}</td>
        <td>
          <span class="badge ${s.state}">${t.states[s.state] ?? s.state}</span
          >${s.decision_reason ? markup`<br />${s.decision_reason}` : ''}
        </td>
        <td>${formatDate(ctx.lang, s.updated_at)}</td>
      </tr>`,
  );
  return page(ctx, {
    title: t.adminSubscriptions,
    body: markup`<h1>${t.adminSubscriptions}</h1>
      ${adminNav(ctx)} ${notice ? markup`<p class="notice" role="status">${notice}</p>` : ''}
      <h2>${t.pendingTitle}</h2>
      ${
        pending.length === 0
          ? markup`<p>${t.noPending}</p>`
          : markup`<div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">${t.developer}</th>
                    <th scope="col">${t.subscriptionName}</th>
                    <th scope="col">${t.product}</th>
                    <th scope="col">${t.requested}</th>
                    <th scope="col">
                      <span class="visually-hidden">${t.approve} / ${t.reject}</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  ${pending}
                </tbody>
              </table>
            </div>`
      }
      <h2>${t.recentTitle}</h2>
      ${
        decided.length === 0
          ? ''
          : markup`<div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">${t.developer}</th>
                    <th scope="col">${t.subscriptionName}</th>
                    <th scope="col">${t.product}</th>
                    <th scope="col">${t.state}</th>
                    <th scope="col">${t.date}</th>
                  </tr>
                </thead>
                <tbody>
                  ${decided}
                </tbody>
              </table>
            </div>`
      }`,
  });
}

/** Every account, with a button to disable or enable it. */
export function accountsPage(ctx: PageContext, accounts: readonly Account[], notice?: string) {
  const { t } = ctx;
  const rows = accounts.map((a) => {
    const name = [a.firstName, a.lastName].filter(Boolean).join(' ');
    const self = a.accountId === ctx.account?.accountId;
    return markup`<tr>
      <td>${a.email}</td>
      <td>${name}</td>
      <td>${a.role}</td>
      <td>${a.emailConfirmed ? t.confirmed : t.unconfirmed}</td>
      <td>
        <span class="badge ${a.enabled ? 'enabled' : 'disabled'}"
          >${a.enabled ? t.enabled : t.disabled}</span
        >
      </td>
      <td>
        ${
          self
            ? ''
            : markup`<form
                class="inline-form"
                method="post"
                action="/admin/accounts/${a.accountId}/${a.enabled ? 'disable' : 'enable'}"
              >
                ${csrfField(ctx)}<button
                  class="${a.enabled ? 'danger' : 'secondary'}"
                  type="submit"
                  aria-label="${a.enabled ? t.disable : t.enable}: ${a.email}"
                >
                  ${a.enabled ? t.disable : t.enable}
                </button>
              </form>`
        }
      </td>
    </tr>`;
  });
  return page(ctx, {
    title: t.accountsTitle,
    body: markup`<h1>${t.accountsTitle}</h1>
      ${adminNav(ctx)} ${notice ? markup`<p class="notice" role="status">${notice}</p>` : ''}
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">${t.email}</th>
              <th scope="col">${t.firstName} / ${t.lastName}</th>
              <th scope="col">${t.role}</th>
              <th scope="col">${t.email}</th>
              <th scope="col">${t.state}</th>
              <th scope="col"><span class="visually-hidden">${t.disable} / ${t.enable}</span></th>
            </tr>
          </thead>
          <tbody>
            ${rows}
          </tbody>
        </table>
      </div>`,
  });
}
