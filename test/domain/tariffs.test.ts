import { describe, expect, it } from 'vitest';
import {
  SUBSCRIPTION_TARIFFS,
  TARIFF_IDS,
  isTariffId,
  subscriptionOf,
  tariffTypeOf,
  valueKeyOf,
  type StandardTariffClasses,
  type Subscription,
  type TariffId,
  type TariffType,
} from '../../src/domain/tariffs.js';

describe('SUBSCRIPTION_TARIFFS', () => {
  it.each<[Subscription, TariffId[]]>([
    ['BASE', ['th']],
    ['HCHP', ['hc', 'hp']],
    ['EJP', ['hn', 'pm']],
    ['TEMPO', ['hcjb', 'hpjb', 'hcjw', 'hpjw', 'hcjr', 'hpjr']],
    [
      'STANDARD',
      [
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
      ],
    ],
  ])('%s has the guide’s tariffs %j', (subscription, tariffs) => {
    expect(SUBSCRIPTION_TARIFFS[subscription]).toEqual(tariffs);
  });

  it('lists every tariff id exactly once, subscription by subscription', () => {
    expect(TARIFF_IDS).toHaveLength(21);
    expect(new Set(TARIFF_IDS).size).toBe(21);
    expect(TARIFF_IDS).toEqual(Object.values(SUBSCRIPTION_TARIFFS).flat());
  });
});

describe('isTariffId', () => {
  it.each(TARIFF_IDS)('accepts %s', (tariff) => {
    expect(isTariffId(tariff)).toBe(true);
  });

  it.each<[string, unknown]>([
    ['upper case (the guide’s display names, not ids)', 'HC'],
    ['tariff0', 'tariff0'],
    ['tariff11', 'tariff11'],
    ['a padded PTEC', 'HC..'],
    ['empty', ''],
    ['a number', 1],
    ['null', null],
    ['an inherited property name', 'toString'],
  ])('rejects %s', (_, value) => {
    expect(isTariffId(value)).toBe(false);
  });
});

describe('tariffTypeOf', () => {
  it.each<[TariffId, TariffType, string]>([
    ['th', 'hp', 'BASE has no low tariff: deferred modes wait for a manual start'],
    ['hc', 'hc', 'heures creuses'],
    ['hp', 'hp', 'heures pleines'],
    ['hn', 'hc', 'EJP normal days'],
    ['pm', 'hp', 'EJP peak days (pointe mobile)'],
    ['hcjb', 'hc', 'Tempo blue off-peak'],
    ['hpjb', 'hp', 'Tempo blue peak'],
    ['hcjw', 'hc', 'Tempo white off-peak'],
    ['hpjw', 'hp', 'Tempo white peak'],
    ['hcjr', 'hc', 'Tempo red off-peak'],
    ['hpjr', 'hp', 'Tempo red peak'],
  ])('%s → %s (%s)', (tariff, type) => {
    expect(tariffTypeOf(tariff)).toBe(type);
  });

  const stationClasses: StandardTariffClasses = {
    tariff1: 'hc',
    tariff2: 'hp',
    tariff3: 'hc',
    tariff10: 'hc',
  };

  it.each<[TariffId, StandardTariffClasses | undefined, TariffType]>([
    ['tariff1', undefined, 'hp'],
    ['tariff10', undefined, 'hp'],
    ['tariff1', {}, 'hp'],
    ['tariff1', stationClasses, 'hc'],
    ['tariff2', stationClasses, 'hp'],
    ['tariff3', stationClasses, 'hc'],
    ['tariff4', stationClasses, 'hp'],
    ['tariff10', stationClasses, 'hc'],
  ])('%s with station classes %j → %s', (tariff, classes, type) => {
    expect(tariffTypeOf(tariff, classes)).toBe(type);
  });

  it('ignores station classes for the EDF tariffs', () => {
    expect(tariffTypeOf('th', { tariff1: 'hc' })).toBe('hp');
    expect(tariffTypeOf('hc', { tariff1: 'hp' })).toBe('hc');
  });
});

describe('valueKeyOf', () => {
  it.each<[TariffId, string]>([
    ['th', 'valueTh'],
    ['hc', 'valueHc'],
    ['hp', 'valueHp'],
    ['hn', 'valueHn'],
    ['pm', 'valuePm'],
    ['hcjb', 'valueHcjb'],
    ['hpjb', 'valueHpjb'],
    ['hcjw', 'valueHcjw'],
    ['hpjw', 'valueHpjw'],
    ['hcjr', 'valueHcjr'],
    ['hpjr', 'valueHpjr'],
    ['tariff1', 'valueTariff1'],
    ['tariff2', 'valueTariff2'],
    ['tariff3', 'valueTariff3'],
    ['tariff4', 'valueTariff4'],
    ['tariff5', 'valueTariff5'],
    ['tariff6', 'valueTariff6'],
    ['tariff7', 'valueTariff7'],
    ['tariff8', 'valueTariff8'],
    ['tariff9', 'valueTariff9'],
    ['tariff10', 'valueTariff10'],
  ])('%s → %s', (tariff, key) => {
    expect(valueKeyOf(tariff)).toBe(key);
  });

  it('covers every tariff id', () => {
    expect(new Set(TARIFF_IDS.map(valueKeyOf)).size).toBe(TARIFF_IDS.length);
  });
});

describe('subscriptionOf', () => {
  it.each<[TariffId, Subscription]>([
    ['th', 'BASE'],
    ['hc', 'HCHP'],
    ['hp', 'HCHP'],
    ['hn', 'EJP'],
    ['pm', 'EJP'],
    ['hcjb', 'TEMPO'],
    ['hpjb', 'TEMPO'],
    ['hcjw', 'TEMPO'],
    ['hpjw', 'TEMPO'],
    ['hcjr', 'TEMPO'],
    ['hpjr', 'TEMPO'],
    ['tariff1', 'STANDARD'],
    ['tariff5', 'STANDARD'],
    ['tariff10', 'STANDARD'],
  ])('%s belongs to %s', (tariff, subscription) => {
    expect(subscriptionOf(tariff)).toBe(subscription);
  });

  it('is the inverse of SUBSCRIPTION_TARIFFS for every id', () => {
    for (const tariff of TARIFF_IDS) {
      expect(SUBSCRIPTION_TARIFFS[subscriptionOf(tariff)]).toContain(tariff);
    }
  });

  it('throws on a string cast past the type', () => {
    expect(() => subscriptionOf('tariff11' as TariffId)).toThrow(RangeError);
  });
});
