import { markup, type SafeHtml } from '../html.js';
import { csrfField, errorSummary, field, formatDate, page, type PageContext } from '../layout.js';
import type { FieldProblem, ProfileSubscription } from '../service.js';

/** The home page: what the platform is and how a partner starts. */
export function homePage(ctx: PageContext, publicUrl: string): string {
  const { t } = ctx;
  return page(ctx, {
    title: t.homeTitle,
    body: markup`<h1>${t.homeTitle}</h1>
      <p>${t.homeIntro}</p>
      <h2>${t.homePartnersTitle}</h2>
      <ol>
        ${t.homePartnersSteps.map((step) => markup`<li>${step}</li>`)}
      </ol>
      ${ctx.account ? '' : markup`<p><a class="button" href="/signup">${t.homeStart}</a></p>`}
      <p><a href="/dashboard">${t.homeOwners}</a></p>
      <h2>${t.homeMachinesTitle}</h2>
      <ul>
        <li><a href="/docs">${t.navApiReference}</a></li>
        <li><a href="/v1/openapi.json">${t.homeOpenApi}</a></li>
        <li>
          <a href="/.well-known/openid-configuration">${t.homeOidc}</a> (<code>${publicUrl}</code>)
        </li>
      </ul>`,
  });
}

/** A product as the products page lists it. */
export interface ProductView {
  id: string;
  name: string;
  description: string;
  approvalRequired: boolean;
}

/** The products, each with a subscribe form for a signed-in developer. */
export function productsPage(
  ctx: PageContext,
  products: readonly ProductView[],
  options: { notice?: string; problems?: readonly FieldProblem[]; productId?: string } = {},
): string {
  const { t } = ctx;
  const cards = products.map((product) => {
    const id = `name-${product.id}`;
    const problems = options.productId === product.id ? (options.problems ?? []) : [];
    const subscribe =
      ctx.account?.role === 'developer' || ctx.account?.role === 'admin'
        ? markup`<form method="post" action="/products/${product.id}/subscribe" novalidate>
            ${csrfField(ctx)}
            ${errorSummary(
              t,
              problems.map((p) => ({ ...p, field: id })),
              { [id]: t.subscriptionName },
            )}
            ${field(t, { name: id, label: t.subscriptionName, value: product.name, problems: problems.map((p) => ({ ...p, field: id })) })}
            <button type="submit">${t.subscribe}</button>
          </form>`
        : ctx.account
          ? ''
          : markup`<p><a href="/signin?next=/products">${t.signInToSubscribe}</a></p>`;
    return markup`<section class="card" aria-labelledby="product-${product.id}">
      <h2 id="product-${product.id}">${product.name}</h2>
      <p>${product.description}</p>
      <p class="hint">${product.approvalRequired ? t.approvalRequired : t.noApprovalRequired}</p>
      ${subscribe}
    </section>`;
  });
  return page(ctx, {
    title: t.productsTitle,
    body: markup`<h1>${t.productsTitle}</h1>
      ${options.notice ? markup`<p class="notice" role="status">${options.notice}</p>` : ''} ${cards}`,
  });
}

/** A key shown once, just created. */
export interface NewKey {
  subscriptionId: string;
  slot: 'primary' | 'secondary';
  key: string;
}

function keyRows(ctx: PageContext, subscription: ProfileSubscription): SafeHtml {
  const { t } = ctx;
  return markup`<table>
    <caption class="hint">
      ${t.keyRegenerateHint}
    </caption>
    <thead>
      <tr>
        <th scope="col">${t.keysTitle}</th>
        <th scope="col">${t.state}</th>
        <th scope="col"><span class="visually-hidden">${t.keyRegenerate}</span></th>
      </tr>
    </thead>
    <tbody>
      ${subscription.keys.map((key) => {
        const slotName = t.keySlots[key.slot] ?? key.slot;
        return markup`<tr>
          <th scope="row">${slotName}</th>
          <td>${key.hint ? t.keyEndsWith(key.hint) : t.keyNone}</td>
          <td>
            <form
              class="inline-form"
              method="post"
              action="/profile/subscriptions/${subscription.id}/keys/${key.slot}"
            >
              ${csrfField(ctx)}
              <button
                class="secondary"
                type="submit"
                aria-label="${key.hint ? t.keyRegenerate : t.keyCreate}: ${slotName}, ${subscription.name}"
              >
                ${key.hint ? t.keyRegenerate : t.keyCreate}
              </button>
            </form>
          </td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}

/** The developer's profile: account, subscriptions with their state, keys and names. */
export function profilePage(
  ctx: PageContext,
  subscriptions: readonly ProfileSubscription[],
  options: { newKey?: NewKey; notice?: string } = {},
): string {
  const { t, account } = ctx;
  const newKey = options.newKey;
  const shown = newKey
    ? markup`<section class="notice" aria-labelledby="new-key-title" role="status">
        <h2 id="new-key-title">${t.newKeyTitle(t.keySlots[newKey.slot] ?? newKey.slot)}</h2>
        <p>${t.newKeyText}</p>
        <div class="secret">
          <code id="new-key" data-subscription="${newKey.subscriptionId}">${newKey.key}</code>
          <button
            type="button"
            class="secondary"
            data-copy="new-key"
            data-copied="${t.copied}"
            hidden
          >
            ${t.copy}
          </button>
        </div>
        <p><a href="/docs?subscription=${newKey.subscriptionId}">${t.tryIt}</a></p>
      </section>`
    : '';
  const cards = subscriptions.map((s) => {
    const nameId = `name-${s.id}`;
    return markup`<section class="card" aria-labelledby="subscription-${s.id}">
      <h3 id="subscription-${s.id}">${s.name}</h3>
      <dl class="facts">
        <dt>${t.product}</dt>
        <dd>${s.productName}</dd>
        <dt>${t.state}</dt>
        <dd><span class="badge ${s.state}">${t.states[s.state] ?? s.state}</span></dd>
        <dt>${t.created}</dt>
        <dd>${formatDate(ctx.lang, s.createdAt)}</dd>
      </dl>
      ${s.state === 'rejected' && s.decisionReason ? markup`<p>${t.rejectedBecause(s.decisionReason)}</p>` : ''}
      ${s.state === 'approved' ? keyRows(ctx, s) : ''}
      ${
        s.state === 'approved'
          ? markup`<p><a href="/docs?subscription=${s.id}">${t.tryIt}</a></p>`
          : ''
      }
      <form method="post" action="/profile/subscriptions/${s.id}/name">
        ${csrfField(ctx)} ${field(t, { name: nameId, label: t.subscriptionName, value: s.name })}
        <button class="secondary" type="submit">${t.rename}</button>
      </form>
    </section>`;
  });
  return page(ctx, {
    title: t.profileTitle,
    body: markup`<h1>${t.profileTitle}</h1>
      ${options.notice ? markup`<p class="notice" role="status">${options.notice}</p>` : ''} ${shown}
      <h2>${t.accountTitle}</h2>
      <dl class="facts">
        <dt>${t.email}</dt>
        <dd>${account?.email}</dd>
        <dt>${t.firstName}</dt>
        <dd>${account?.firstName}</dd>
        <dt>${t.lastName}</dt>
        <dd>${account?.lastName}</dd>
        <dt>${t.role}</dt>
        <dd>${account?.role}</dd>
      </dl>
      <h2>${t.subscriptionsTitle}</h2>
      ${subscriptions.length === 0 ? markup`<p>${t.noSubscriptions} <a href="/products">${t.browseProducts}</a></p>` : cards}`,
  });
}
