/** Pure rules of subscriptions and tariffs (the guide's "Subscriptions and tariffs" section). */

/** The guide's gridSubscription: four EDF contracts (historic TIC) and STANDARD (standard TIC). */
export type Subscription = 'BASE' | 'HCHP' | 'EJP' | 'TEMPO' | 'STANDARD';

/** Tariff ids as the guide spells them in the tariff routes (`th`, `hcjb`, `tariff3`…). */
export type TariffId =
  | 'th'
  | 'hc'
  | 'hp'
  | 'hn'
  | 'pm'
  | 'hcjb'
  | 'hpjb'
  | 'hcjw'
  | 'hpjw'
  | 'hcjr'
  | 'hpjr'
  | 'tariff1'
  | 'tariff2'
  | 'tariff3'
  | 'tariff4'
  | 'tariff5'
  | 'tariff6'
  | 'tariff7'
  | 'tariff8'
  | 'tariff9'
  | 'tariff10';

/** Low (hc) or high (hp) price class of a tariff; deferred charge modes wait for hc. */
export type TariffType = 'hc' | 'hp';

/** The class a station gives each STANDARD tariff (its `tariffN` properties). */
export type StandardTariffClasses = Partial<Record<`tariff${number}`, TariffType>>;

/** The tariffs of each subscription, in the guide's order. */
export const SUBSCRIPTION_TARIFFS: Record<Subscription, readonly TariffId[]> = Object.freeze({
  BASE: Object.freeze(['th'] as const),
  HCHP: Object.freeze(['hc', 'hp'] as const),
  EJP: Object.freeze(['hn', 'pm'] as const),
  TEMPO: Object.freeze(['hcjb', 'hpjb', 'hcjw', 'hpjw', 'hcjr', 'hpjr'] as const),
  STANDARD: Object.freeze([
    'tariff1',
    'tariff2',
    'tariff3',
    'tariff4',
    'tariff5',
    'tariff6',
    'tariff7',
    'tariff8',
    'tariff9',
    'tariff10',
  ] as const),
});

/** Every tariff id, subscription by subscription. */
export const TARIFF_IDS: readonly TariffId[] = Object.freeze(
  Object.values(SUBSCRIPTION_TARIFFS).flat(),
);

const TARIFF_ID_SET: ReadonlySet<string> = new Set(TARIFF_IDS);

/** Whether a value (a route parameter, a stored string) is one of the guide's tariff ids. */
export function isTariffId(value: unknown): value is TariffId {
  return typeof value === 'string' && TARIFF_ID_SET.has(value);
}

/**
 * Low or high class of a tariff: hc*, hn → hc; hp*, pm → hp; th → hp, because BASE has no low
 * tariff and deferred modes must then wait for a manual start rather than start at once;
 * tariffN → the station's class for it, hp when the station gave none (never start unasked).
 */
export function tariffTypeOf(
  tariff: TariffId,
  standardClasses?: StandardTariffClasses,
): TariffType {
  if (tariff.startsWith('tariff')) {
    return standardClasses?.[tariff as `tariff${number}`] ?? 'hp';
  }
  return tariff === 'hn' || tariff.startsWith('hc') ? 'hc' : 'hp';
}

/** The key of a tariff's value in aggregation results: th → valueTh, tariff3 → valueTariff3. */
export function valueKeyOf(tariff: TariffId): string {
  return `value${tariff.charAt(0).toUpperCase()}${tariff.slice(1)}`;
}

const SUBSCRIPTION_OF = new Map<TariffId, Subscription>(
  (Object.entries(SUBSCRIPTION_TARIFFS) as [Subscription, readonly TariffId[]][]).flatMap(
    ([subscription, tariffs]) => tariffs.map((tariff) => [tariff, subscription] as const),
  ),
);

/** The subscription a tariff belongs to (each tariff id belongs to exactly one). */
export function subscriptionOf(tariff: TariffId): Subscription {
  const subscription = SUBSCRIPTION_OF.get(tariff);
  // Unreachable for a TariffId; guards callers that cast an unchecked string.
  if (!subscription) throw new RangeError(`Unknown tariff: ${String(tariff)}`);
  return subscription;
}
