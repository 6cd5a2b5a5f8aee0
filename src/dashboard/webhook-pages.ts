import { EVENT_TYPES } from '../domain/events.js';
import { csrfField, markup } from '../portal/index.js';
import { dashboardPage, type DashboardContext, type InstallationItem } from './pages.js';

/** An event subscription, in the API's model. */
export interface WebhookItem {
  eventSubscriptionId: string;
  protocolData: string;
  eventType?: string;
  state: string;
  stateReason?: string;
  creationDate: string;
}

/** A delivery of an event to a subscription, with its attempts, in the API's model. */
export interface DeliveryItem {
  deliveryId: string;
  eventId: string;
  eventType: string;
  state: 'pending' | 'delivered' | 'failed';
  creationDate: string;
  nextAttemptDate: string | null;
  attempts: { date: string; statusCode: number | null; error: string | null; durationMs: number }[];
}

/** The short name of an event type (`socketState` for `XEVFR.state_EVCS_socketState`). */
const shortType = (type: string) => type.replace(/^XE[VF]{2}R\.state_EVCS_/, '');

/** The owner's webhooks: the subscriptions with their state, and the form to add one. */
export function webhooksPage(
  ctx: DashboardContext,
  data: {
    installation: InstallationItem;
    webhooks: readonly WebhookItem[];
    notice?: string;
    /** The signing secret of the subscription just made, shown once. */
    secret?: string;
    refused?: string;
    form?: { endpoint: string; eventType: string };
  },
): string {
  const { w } = ctx;
  const base = `/dashboard/installations/${data.installation.installationId}/webhooks`;
  const rows = data.webhooks.map(
    (hook) => markup`<tr>
      <td><a href="${base}/${hook.eventSubscriptionId}">${hook.protocolData}</a></td>
      <td>${hook.eventType ? shortType(hook.eventType) : w.allEvents}</td>
      <td>${w.webhookStates[hook.state] ?? hook.state}${hook.stateReason ? markup`<br /><span class="hint">${hook.stateReason}</span>` : ''}</td>
      <td>${hook.creationDate.slice(0, 10)}</td>
      <td><form class="inline-form" method="post" action="${base}/${hook.eventSubscriptionId}/delete">
        ${csrfField(ctx)}<button class="danger" type="submit" aria-label="${w.deleteWebhook}: ${hook.protocolData}">${w.deleteWebhook}</button>
      </form></td>
    </tr>`,
  );
  return dashboardPage(ctx, {
    title: w.webhooksTitle(data.installation.name),
    body: markup`<p><a href="/dashboard/installations/${data.installation.installationId}">${data.installation.name}</a></p>
      <h1>${w.webhooksTitle(data.installation.name)}</h1>
      ${data.notice ? markup`<p class="notice" role="status">${data.notice}</p>` : ''}
      ${
        data.secret
          ? markup`<div class="notice" role="status"><p>${w.secretOnce}</p><p><code id="webhook-secret">${data.secret}</code></p></div>`
          : ''
      }
      ${data.refused ? markup`<div class="error-summary" role="alert"><p>${w.refusedBecause(data.refused)}</p></div>` : ''}
      <p>${w.webhooksIntro}</p>
      ${
        data.webhooks.length === 0
          ? markup`<p>${w.noWebhooks}</p>`
          : markup`<div class="table-wrap"><table>
              <thead><tr>
                <th scope="col">${w.webhookEndpoint}</th>
                <th scope="col">${w.webhookEvents}</th>
                <th scope="col">${w.webhookState}</th>
                <th scope="col">${w.webhookCreated}</th>
                <th scope="col"><span class="visually-hidden">${w.deleteWebhook}</span></th>
              </tr></thead>
              <tbody>${rows}</tbody>
            </table></div>`
      }
      <h2>${w.addWebhook}</h2>
      <form method="post" action="${base}">
        ${csrfField(ctx)}
        <label for="endpoint">${w.webhookEndpoint}</label>
        <input id="endpoint" name="endpoint" type="url" required placeholder="https://" value="${data.form?.endpoint ?? ''}" />
        <label for="eventType">${w.webhookEvents}</label>
        <select id="eventType" name="eventType">
          <option value="">${w.allEvents}</option>
          ${EVENT_TYPES.map(
            (type) =>
              markup`<option value="${type}"${data.form?.eventType === type ? markup` selected` : ''}>${shortType(type)}</option>`,
          )}
        </select>
        <button type="submit">${w.addWebhook}</button>
      </form>`,
  });
}

/** One subscription's delivery log: each event sent, its attempts, and redelivery. */
export function deliveriesPage(
  ctx: DashboardContext,
  data: {
    installation: InstallationItem;
    webhook: WebhookItem;
    deliveries: readonly DeliveryItem[];
    notice?: string;
    refused?: string;
  },
): string {
  const { w } = ctx;
  const list = `/dashboard/installations/${data.installation.installationId}/webhooks`;
  const base = `${list}/${data.webhook.eventSubscriptionId}`;
  const attempt = (a: DeliveryItem['attempts'][number]) =>
    `${a.date.replace('T', ' ').slice(0, 19)} — ${a.statusCode ?? a.error ?? ''} (${a.durationMs} ms)`;
  return dashboardPage(ctx, {
    title: w.deliveriesTitle(data.webhook.protocolData),
    body: markup`<p><a href="${list}">${w.webhooksTitle(data.installation.name)}</a></p>
      <h1>${w.deliveriesTitle(data.webhook.protocolData)}</h1>
      ${data.notice ? markup`<p class="notice" role="status">${data.notice}</p>` : ''}
      ${data.refused ? markup`<div class="error-summary" role="alert"><p>${w.refusedBecause(data.refused)}</p></div>` : ''}
      <p>${w.webhookState}: ${w.webhookStates[data.webhook.state] ?? data.webhook.state}</p>
      ${
        data.deliveries.length === 0
          ? markup`<p>${w.noDeliveries}</p>`
          : markup`<div class="table-wrap"><table>
              <thead><tr>
                <th scope="col">${w.deliveryEvent}</th>
                <th scope="col">${w.deliveryState}</th>
                <th scope="col">${w.deliveryAttempts}</th>
                <th scope="col"><span class="visually-hidden">${w.redeliver}</span></th>
              </tr></thead>
              <tbody>${data.deliveries.map(
                (d) => markup`<tr>
                  <td>${shortType(d.eventType)}<br /><span class="hint">${d.creationDate.replace('T', ' ').slice(0, 19)}</span></td>
                  <td>${w.deliveryStates[d.state] ?? d.state}</td>
                  <td>${d.attempts.length === 0 ? '' : markup`<ul>${d.attempts.map((a) => markup`<li>${attempt(a)}</li>`)}</ul>`}</td>
                  <td>${
                    d.state === 'pending'
                      ? ''
                      : markup`<form class="inline-form" method="post" action="${base}/deliveries/${d.deliveryId}/redeliver">
                          ${csrfField(ctx)}<button class="secondary" type="submit" aria-label="${w.redeliver}: ${shortType(d.eventType)} ${d.creationDate}">${w.redeliver}</button>
                        </form>`
                  }</td>
                </tr>`,
              )}</tbody>
            </table></div>`
      }`,
  });
}
