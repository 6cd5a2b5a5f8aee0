import { bucketStart, localDay } from '../domain/time-buckets.js';
import { csrfField, markup } from '../portal/index.js';
import { dashboardPage, type DashboardContext, type InstallationItem } from './pages.js';

/** A tariff of the installation's subscription, in the guide's model. */
export interface TariffItem {
  id: string;
  friendlyName: string | null;
  currency: 'eur' | 'gbp';
  isDefault: boolean;
  /** Price history, newest first. */
  values: { beginDate: string; value: number }[];
}

/** Why the API has no tariffs to price yet (its refusal code). */
export type TariffsUnavailable = 'TIC_CONSENT_REQUIRED' | 'SUBSCRIPTION_NOT_DETECTED';

/** The subscription in force, as `GET …/grid-meters/{id}/subscription` answers it. */
export interface SubscriptionItem {
  gridSubscription: string;
  offPeakHours: string[] | null;
  source: 'tic' | 'declared';
  declaredSubscription: { gridSubscription: string; offPeakHours: string[] } | null;
  currentTariff: string | null;
}

/** The subscriptions an owner may declare without TIC data. */
export const DECLARABLE_SUBSCRIPTIONS = ['BASE', 'HCHP', 'TEMPO', 'EJP'] as const;

/** What the subscription form sent, given back to the page when the API refused it. */
export interface SubscriptionForm {
  gridSubscription: string;
  offPeakHours: string;
}

/** Off-peak windows as typed ("22:00-06:00, 12:30-14:30"): one per comma, space or line. */
export function parseOffPeakHours(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((window) => window.trim())
    .filter(Boolean);
}

/** What the form sent, given back to the page when the API refused it. */
export interface PricesForm {
  currency: string;
  from: string;
  prices: Record<string, string>;
}

/** A tariff as the owner knows it: its friendly name, else its id (HC, HPJB…). */
export const tariffName = (tariff: TariffItem) => tariff.friendlyName || tariff.id.toUpperCase();

/** A price as typed: digits with an optional decimal point or comma; undefined otherwise. */
export function parsePrice(text: string): number | undefined {
  const normal = text.trim().replace(',', '.');
  return /^\d+(\.\d+)?$/.test(normal) ? Number(normal) : undefined;
}

/** Midnight of a calendar day (YYYY-MM-DD) in a time zone, as an instant; undefined if no such day. */
export function dayStartIn(day: string, zone: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const noon = new Date(`${day}T12:00:00.000Z`);
  if (Number.isNaN(noon.getTime()) || noon.toISOString().slice(0, 10) !== day) return undefined;
  // Noon UTC lies within that local day in every zone a station can have (UTC to UTC+2).
  return bucketStart(noon, 'day', zone).toISOString();
}

/** The owner's tariffs page: the prices in force and their history, and the form to set new ones. */
export function tariffsPage(
  ctx: DashboardContext,
  data: {
    installation: InstallationItem;
    meterId: string | null;
    /** The subscription in force, or null when there is none. */
    subscription: SubscriptionItem | null;
    subscriptionForm?: SubscriptionForm;
    tariffs: readonly TariffItem[];
    unavailable?: TariffsUnavailable;
    /** The station's time zone, in which prices start at midnight. */
    zone: string;
    today: string;
    notice?: string;
    refused?: string;
    form?: PricesForm;
  },
): string {
  const { w } = ctx;
  const page = `/dashboard/installations/${data.installation.installationId}`;
  const number = new Intl.NumberFormat(ctx.lang === 'fr' ? 'fr-FR' : 'en-GB', {
    maximumFractionDigits: 5,
  });
  const price = (value: number, currency: string) =>
    `${number.format(value)} ${currency === 'gbp' ? '£' : '€'}`;
  const day = (instant: string) => localDay(new Date(instant), data.zone);
  const currency = data.form?.currency ?? data.tariffs[0]?.currency ?? 'eur';
  const body = !data.meterId
    ? markup`<p>${w.tariffsNoMeter}</p>`
    : data.unavailable
      ? markup`<p>${data.unavailable === 'TIC_CONSENT_REQUIRED' ? w.tariffsNoConsent : w.tariffsNotDetected}</p>`
      : markup`<div class="table-wrap"><table>
        <thead><tr>
          <th scope="col">${w.tariffName}</th>
          <th scope="col">${w.tariffPrice}</th>
          <th scope="col">${w.tariffSince}</th>
          <th scope="col">${w.tariffHistory}</th>
        </tr></thead>
        <tbody>${data.tariffs.map((tariff) => {
          const [current, ...earlier] = tariff.values;
          return markup`<tr>
            <th scope="row">${tariffName(tariff)}</th>
            <td>${current ? price(current.value, tariff.currency) : ''}${tariff.isDefault ? markup` (${w.tariffDefault})` : ''}</td>
            <td>${current && !tariff.isDefault ? day(current.beginDate) : ''}</td>
            <td>${earlier.map((v) => `${price(v.value, tariff.currency)} (${day(v.beginDate)})`).join(', ')}</td>
          </tr>`;
        })}</tbody>
      </table></div>
      <h2>${w.pricesFormTitle}</h2>
      <form method="post" action="${page}/tariffs">
        ${csrfField(ctx)}
        <input type="hidden" name="meter" value="${data.meterId}" />
        ${data.tariffs.map(
          (
            tariff,
          ) => markup`<label for="price-${tariff.id}">${w.priceFor(tariffName(tariff))}</label>
            <input id="price-${tariff.id}" name="price_${tariff.id}" type="text" inputmode="decimal" required
              value="${data.form?.prices[tariff.id] ?? (tariff.values[0] ? String(tariff.values[0].value) : '')}" />`,
        )}
        <label for="currency">${w.currency}</label>
        <select id="currency" name="currency">
          <option value="eur"${currency === 'eur' ? markup` selected` : ''}>EUR (€)</option>
          <option value="gbp"${currency === 'gbp' ? markup` selected` : ''}>GBP (£)</option>
        </select>
        <label for="from">${w.pricesFrom}</label>
        <input id="from" name="from" type="date" required value="${data.form?.from ?? data.today}" />
        <button type="submit">${w.savePrices}</button>
      </form>`;
  const subscription = data.subscription;
  const declared = subscription?.declaredSubscription ?? null;
  const chosen = data.subscriptionForm?.gridSubscription ?? declared?.gridSubscription ?? 'HCHP';
  const hours = data.subscriptionForm?.offPeakHours ?? declared?.offPeakHours.join(', ') ?? '';
  // Without TIC data in force, the owner declares the subscription (and may remove it).
  const subscriptionSection = !data.meterId
    ? ''
    : markup`<h2>${w.subscriptionTitle}</h2>
      <p>${
        subscription
          ? w.subscriptionInForce(
              subscription.gridSubscription,
              subscription.source,
              subscription.offPeakHours?.join(', ') ?? '',
              subscription.currentTariff ?? '',
            )
          : w.subscriptionNone
      }</p>
      ${
        subscription?.source === 'tic'
          ? ''
          : markup`<form method="post" action="${page}/subscription">
        ${csrfField(ctx)}
        <input type="hidden" name="meter" value="${data.meterId}" />
        <label for="grid-subscription">${w.subscriptionContract}</label>
        <select id="grid-subscription" name="gridSubscription">
          ${DECLARABLE_SUBSCRIPTIONS.map(
            (name) =>
              markup`<option value="${name}"${name === chosen ? markup` selected` : ''}>${name}</option>`,
          )}
        </select>
        <label for="off-peak-hours">${w.offPeakHours}</label>
        <p class="hint" id="off-peak-hint">${w.offPeakHint}</p>
        <input id="off-peak-hours" name="offPeakHours" type="text" aria-describedby="off-peak-hint"
          value="${hours}" />
        <button type="submit">${w.declareSubscription}</button>
      </form>
      ${
        declared
          ? markup`<form method="post" action="${page}/subscription/remove">
        ${csrfField(ctx)}
        <input type="hidden" name="meter" value="${data.meterId}" />
        <button type="submit" class="secondary">${w.removeDeclaration}</button>
      </form>`
          : ''
      }`
      }`;
  return dashboardPage(ctx, {
    title: w.tariffsTitle(data.installation.name),
    body: markup`<p><a href="${page}">${data.installation.name}</a></p>
      <h1>${w.tariffsTitle(data.installation.name)}</h1>
      ${data.notice ? markup`<p class="notice" role="status">${data.notice}</p>` : ''}
      ${data.refused ? markup`<div class="error-summary" role="alert"><p>${w.refusedBecause(data.refused)}</p></div>` : ''}
      <p>${w.tariffsIntro}</p>
      ${subscriptionSection}
      ${data.meterId ? markup`<h2>${w.pricesTitle}</h2>` : ''}
      ${body}`,
  });
}
