import { markup } from '../html.js';
import { csrfField, formatDate, page, type PageContext } from '../layout.js';
import type { FormValues } from './account.js';
import { adminNav } from './admin.js';

/** A device of the registry, as the administration lists it. */
export interface AdminDevice {
  uid: string;
  serialNumber: string;
  connected: boolean;
  lastHeartbeatAt: string | null;
}

/** What a provisioning did: the devices made (with their passwords) and the lines refused. */
export interface ProvisionOutcome {
  provisioned: { uid: string; password: string }[];
  refused: { line: number | null; message: string }[];
}

/** The device registry: provision one or a batch; each password shown once. */
export function devicesPage(
  ctx: PageContext,
  devices: readonly AdminDevice[],
  options: { outcome?: ProvisionOutcome; values?: FormValues } = {},
): string {
  const { t } = ctx;
  const values = options.values ?? {};
  const outcome = options.outcome;
  const result = outcome
    ? markup`${
        outcome.provisioned.length > 0
          ? markup`<section class="notice" role="status" aria-labelledby="provisioned-title">
<h2 id="provisioned-title">${t.provisionedTitle(outcome.provisioned.length)}</h2>
<p>${t.provisionedText}</p>
<div class="secret"><code id="provisioned-csv">uid,password<br>${outcome.provisioned.map((d, n) => markup`${n > 0 ? markup`<br>` : ''}${d.uid},${d.password}`)}</code>
<button type="button" class="secondary" data-copy="provisioned-csv" data-copied="${t.copied}" hidden>${t.copy}</button></div></section>`
          : ''
      }${
        outcome.refused.length > 0
          ? markup`<div class="error-summary" role="alert"><h2>${t.notProvisioned}</h2><ul>${outcome.refused.map(
              (r) => markup`<li>${r.line === null ? '' : `${t.line(r.line)}: `}${r.message}</li>`,
            )}</ul></div>`
          : ''
      }`
    : '';
  const rows = devices.map(
    (d) => markup`<tr><td><code>${d.uid}</code></td><td>${d.serialNumber}</td>
<td><span class="badge ${d.connected ? 'enabled' : 'disabled'}">${d.connected ? t.online : t.offline}</span></td>
<td>${d.lastHeartbeatAt ? formatDate(ctx.lang, d.lastHeartbeatAt) : t.never}</td></tr>`,
  );
  return page(ctx, {
    title: t.devicesTitle,
    body: markup`<h1>${t.devicesTitle}</h1>${adminNav(ctx)}
${result}
<p>${t.devicesIntro}</p>
<h2>${t.provisionTitle}</h2>
<form method="post" action="/admin/devices" novalidate>${csrfField(ctx)}
<label for="serialNumber">${t.serialNumber}</label><input type="text" id="serialNumber" name="serialNumber" required value="${values.serialNumber ?? ''}">
<label for="uid">${t.uid}</label><input type="text" id="uid" name="uid" value="${values.uid ?? ''}">
<label for="macAddress">${t.macAddress}</label><input type="text" id="macAddress" name="macAddress" value="${values.macAddress ?? ''}">
<button type="submit">${t.provision}</button></form>
<h2>${t.batchTitle}</h2>
<form method="post" action="/admin/devices/batch" novalidate>${csrfField(ctx)}
<label for="csv">${t.batchLabel}</label><p class="hint" id="csv-hint">${t.batchHint}</p>
<textarea id="csv" name="csv" rows="6" required aria-describedby="csv-hint">${values.csv ?? ''}</textarea>
<button type="submit">${t.provisionBatch}</button></form>
<h2>${t.devicesTitle}</h2>
${
  devices.length === 0
    ? markup`<p>${t.noDevices}</p>`
    : markup`<div class="table-wrap"><table><thead><tr><th scope="col">Uid</th><th scope="col">${t.serialNumber}</th><th scope="col">${t.state}</th><th scope="col">${t.lastHeartbeat}</th></tr></thead><tbody>${rows}</tbody></table></div>`
}`,
  });
}

/** A webhook subscription with its recent deliveries, as the administration lists it. */
export interface AdminWebhook {
  eventSubscriptionId: string;
  installationId: number;
  protocolData: string;
  state: string;
  stateReason?: string;
  creationDate: string;
  recent: { failed: number; pending: number; delivered: number };
}

/** A delivery of the log, as the administration shows it. */
export interface AdminDelivery {
  deliveryId: string;
  eventType: string;
  state: string;
  creationDate: string;
  attempts: { date: string; statusCode: number | null; error: string | null }[];
}

/** Every webhook subscription with its state and the outcome of its recent deliveries. */
export function webhooksPage(ctx: PageContext, webhooks: readonly AdminWebhook[]): string {
  const { t } = ctx;
  const rows = webhooks.map(
    (
      w,
    ) => markup`<tr><td><a href="/admin/webhooks/${w.eventSubscriptionId}">${w.protocolData}</a></td><td>${w.installationId}</td>
<td><span class="badge ${w.state === 'Failed' ? 'rejected' : w.state === 'Created' ? 'approved' : 'pending'}">${w.state}</span>${w.stateReason ? markup`<br>${w.stateReason}` : ''}</td>
<td>${w.recent.failed > 0 ? markup`<strong>${t.failedCount(w.recent.failed)}</strong>` : t.failedCount(0)}, ${t.pendingCount(w.recent.pending)}</td>
<td>${formatDate(ctx.lang, w.creationDate)}</td></tr>`,
  );
  return page(ctx, {
    title: t.webhooksTitle,
    body: markup`<h1>${t.webhooksTitle}</h1>${adminNav(ctx)}
${
  webhooks.length === 0
    ? markup`<p>${t.noWebhooks}</p>`
    : markup`<div class="table-wrap"><table><thead><tr><th scope="col">${t.endpoint}</th><th scope="col">${t.installation}</th><th scope="col">${t.state}</th><th scope="col">${t.recentDeliveries}</th><th scope="col">${t.created}</th></tr></thead><tbody>${rows}</tbody></table></div>`
}`,
  });
}

/** One subscription's delivery log, newest first, each with a button to deliver it again. */
export function webhookPage(
  ctx: PageContext,
  webhook: Omit<AdminWebhook, 'recent'>,
  deliveries: readonly AdminDelivery[],
  notice?: string,
): string {
  const { t } = ctx;
  const rows = deliveries.map((d) => {
    const last = d.attempts.at(-1);
    return markup`<tr><td>${formatDate(ctx.lang, d.creationDate)}</td><td>${d.eventType}</td><td>${d.state}</td>
<td>${d.attempts.length}${last ? markup` (${last.statusCode ?? last.error ?? ''})` : ''}</td>
<td><form class="inline-form" method="post" action="/admin/webhooks/${webhook.eventSubscriptionId}/deliveries/${d.deliveryId}/redeliver">${csrfField(ctx)}<button class="secondary" type="submit" aria-label="${t.redeliver}: ${d.eventType}, ${formatDate(ctx.lang, d.creationDate)}">${t.redeliver}</button></form></td></tr>`;
  });
  return page(ctx, {
    title: webhook.protocolData,
    body: markup`<p><a href="/admin/webhooks">${t.back}</a></p>
<h1>${webhook.protocolData}</h1>
${notice ? markup`<p class="notice" role="status">${notice}</p>` : ''}
<dl class="facts"><dt>${t.installation}</dt><dd>${webhook.installationId}</dd><dt>${t.state}</dt><dd>${webhook.state}${webhook.stateReason ? ` — ${webhook.stateReason}` : ''}</dd></dl>
<h2>${t.deliveriesTitle}</h2>
${
  deliveries.length === 0
    ? markup`<p>${t.noDeliveries}</p>`
    : markup`<div class="table-wrap"><table><thead><tr><th scope="col">${t.date}</th><th scope="col">${t.eventType}</th><th scope="col">${t.state}</th><th scope="col">${t.attempts}</th><th scope="col"><span class="visually-hidden">${t.redeliver}</span></th></tr></thead><tbody>${rows}</tbody></table></div>`
}`,
  });
}
