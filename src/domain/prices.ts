/** Pure rules of tariff prices: default prices, the price in force at an instant, costs. */
import type { TariffId } from './tariffs.js';

/**
 * Price per kWh incl. tax used where the owner set none (the guide's `isDefault`): the French
 * regulated prices, tarifs réglementés de vente d'électricité (TRVE), CRE deliberation, in force
 * 1 February 2026, option 6 kVA. STANDARD tariffs have no regulated price (their supplier sets
 * them), so the Base price stands in until the owner sets theirs.
 */
export const DEFAULT_PRICES: Record<TariffId, number> = Object.freeze({
  th: 0.194,
  hc: 0.1579,
  hp: 0.2065,
  hn: 0.1781,
  pm: 0.344,
  hcjb: 0.1325,
  hpjb: 0.1612,
  hcjw: 0.1499,
  hpjw: 0.1871,
  hcjr: 0.1575,
  hpjr: 0.706,
  tariff1: 0.194,
  tariff2: 0.194,
  tariff3: 0.194,
  tariff4: 0.194,
  tariff5: 0.194,
  tariff6: 0.194,
  tariff7: 0.194,
  tariff8: 0.194,
  tariff9: 0.194,
  tariff10: 0.194,
});

/** The currencies of prices (the guide: eur | gbp), lower case as the guide writes them. */
export const CURRENCIES = ['eur', 'gbp'] as const;
export type Currency = (typeof CURRENCIES)[number];

/** Currency of costs where no price was set: the default prices are in euros. */
export const DEFAULT_CURRENCY: Currency = 'eur';

/** One entry of a tariff's price history, as the guide's `values` (beginDate in ISO 8601). */
export interface PricePoint {
  beginDate: string;
  value: number;
}

/**
 * The price in force at an instant: the point with the latest beginDate not after it (a price
 * beginning exactly then is in force), the fallback when none has begun. History in any order;
 * of two points with the same beginDate the later in the list wins (a correction).
 */
export function priceInForce(history: readonly PricePoint[], at: Date, fallback: number): number {
  const instant = at.getTime();
  let latestBegin = -Infinity;
  let price = fallback;
  for (const point of history) {
    const begin = Date.parse(point.beginDate);
    // An unparsable beginDate (NaN) fails both comparisons and is ignored.
    if (begin <= instant && begin >= latestBegin) {
      latestBegin = begin;
      price = point.value;
    }
  }
  return price;
}

/** Rounds to 1e-6: costs are summed later and shown to the cent, float noise must not add up. */
function roundMicro(amount: number): number {
  return Math.round(amount * 1e6) / 1e6;
}

/** Cost of an energy at a price per kWh, rounded to 1e-6. */
export function energyCost(energyKwh: number, price: number): number {
  return roundMicro(energyKwh * price);
}

/**
 * Cost of tariff-tagged energy samples, each priced at its own instant, so that a session across
 * an HC→HP switch or a price change is priced right; defaults where a tariff has no history.
 */
export function costOfSamples(
  samples: readonly { at: Date; tariff: TariffId; energyKwh: number }[],
  historyOf: (tariff: TariffId) => readonly PricePoint[],
): number {
  let total = 0;
  for (const { at, tariff, energyKwh } of samples) {
    total += energyCost(energyKwh, priceInForce(historyOf(tariff), at, DEFAULT_PRICES[tariff]));
  }
  return roundMicro(total);
}
