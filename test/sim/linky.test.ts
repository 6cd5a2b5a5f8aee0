import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { Subscription, TariffId } from '../../src/domain/tariffs.js';
import { TIC_TYPES, parseTicDataset, readTic } from '../../src/domain/tic.js';
import {
  VirtualLinky,
  currentTariff,
  isEjpPeakDay,
  tempoColour,
  type LinkyOptions,
  type TempoColour,
} from '../../src/sim/linky.js';

const PARIS = 'Europe/Paris';

/** The instant of a local wall-clock time in Paris, e.g. paris('2024-12-02T22:00'). */
const paris = (local: string): Date => {
  const time = DateTime.fromISO(local, { zone: PARIS });
  if (!time.isValid) throw new Error(`bad local time ${local}`);
  return time.toJSDate();
};

const utc = (iso: string) => new Date(iso);

/** Every local day of a Tempo season (1 September → 31 August), as 'YYYY-MM-DD'. */
const seasonDays = (startYear: number): string[] => {
  const days: string[] = [];
  const end = DateTime.utc(startYear + 1, 9, 1);
  for (let day = DateTime.utc(startYear, 9, 1); day < end; day = day.plus({ days: 1 })) {
    days.push(day.toISODate() ?? '');
  }
  return days;
};

const nextDay = (date: string) => DateTime.fromISO(date).plus({ days: 1 }).toISODate() ?? '';
const previousDay = (date: string) => DateTime.fromISO(date).minus({ days: 1 }).toISODate() ?? '';
const weekdayOf = (date: string) => DateTime.fromISO(date).weekday; // 1 Monday … 7 Sunday
const monthOf = (date: string) => DateTime.fromISO(date).month;
const isWinter = (date: string) => monthOf(date) >= 11 || monthOf(date) <= 3;

const colourAtNoon = (date: string) => tempoColour(paris(`${date}T12:00`));

describe('currentTariff', () => {
  it('is th at any time on BASE', () => {
    for (const instant of ['2024-01-15T03:00Z', '2024-07-01T12:00Z', '2024-12-02T22:30Z']) {
      expect(currentTariff(utc(instant), { subscription: 'BASE' })).toBe('th');
    }
  });

  describe('HCHP, default HC 22:00–06:00 local, across the DST changes', () => {
    it.each<[utcInstant: string, local: string, TariffId]>([
      // Spring forward: Sunday 31 March 2024, 02:00 CET → 03:00 CEST.
      ['2024-03-30T20:59:00Z', 'Sat 21:59 CET', 'hp'],
      ['2024-03-30T21:00:00Z', 'Sat 22:00 CET', 'hc'],
      ['2024-03-31T00:59:00Z', 'Sun 01:59 CET', 'hc'],
      ['2024-03-31T01:00:00Z', 'Sun 03:00 CEST', 'hc'],
      ['2024-03-31T03:59:00Z', 'Sun 05:59 CEST', 'hc'],
      ['2024-03-31T04:00:00Z', 'Sun 06:00 CEST', 'hp'],
      ['2024-03-31T19:59:00Z', 'Sun 21:59 CEST', 'hp'],
      ['2024-03-31T20:00:00Z', 'Sun 22:00 CEST', 'hc'],
      // Fall back: Sunday 27 October 2024, 03:00 CEST → 02:00 CET.
      ['2024-10-26T19:59:00Z', 'Sat 21:59 CEST', 'hp'],
      ['2024-10-26T20:00:00Z', 'Sat 22:00 CEST', 'hc'],
      ['2024-10-27T00:30:00Z', 'Sun 02:30 CEST', 'hc'],
      ['2024-10-27T01:30:00Z', 'Sun 02:30 CET', 'hc'],
      ['2024-10-27T04:59:00Z', 'Sun 05:59 CET', 'hc'],
      ['2024-10-27T05:00:00Z', 'Sun 06:00 CET', 'hp'],
      ['2024-10-27T20:59:00Z', 'Sun 21:59 CET', 'hp'],
      ['2024-10-27T21:00:00Z', 'Sun 22:00 CET', 'hc'],
    ])('%s (%s) → %s', (instant, _local, tariff) => {
      expect(currentTariff(utc(instant), { subscription: 'HCHP' })).toBe(tariff);
    });
  });

  it.each<[local: string, TariffId]>([
    ['2024-05-02T11:59', 'hp'],
    ['2024-05-02T12:00', 'hc'],
    ['2024-05-02T14:59', 'hc'],
    ['2024-05-02T15:00', 'hp'],
    ['2024-05-02T23:59', 'hp'],
    ['2024-05-03T00:00', 'hc'],
    ['2024-05-03T04:59', 'hc'],
    ['2024-05-03T05:00', 'hp'],
  ])('HCHP with split windows 12:00–15:00 and 00:00–05:00: %s → %s', (local, tariff) => {
    const options: LinkyOptions = {
      subscription: 'HCHP',
      hcWindows: [
        ['12:00', '15:00'],
        ['00:00', '05:00'],
      ],
    };
    expect(currentTariff(paris(local), options)).toBe(tariff);
  });

  it('reads the windows in the meter’s zone', () => {
    // 22:30 in London is 23:30 in Paris: hc in both; 21:30 London is 22:30 Paris.
    const instant = utc('2024-01-10T21:30:00Z');
    expect(currentTariff(instant, { subscription: 'HCHP', zone: 'Europe/London' })).toBe('hp');
    expect(currentTariff(instant, { subscription: 'HCHP' })).toBe('hc');
  });

  it.each<[local: string, TariffId]>([
    ['2024-06-10T05:59', 'tariff1'],
    ['2024-06-10T06:00', 'tariff2'],
    ['2024-06-10T21:59', 'tariff2'],
    ['2024-06-10T22:00', 'tariff1'],
  ])('STANDARD by default: tariff1 22:00–06:00, tariff2 otherwise: %s → %s', (local, tariff) => {
    expect(currentTariff(paris(local), { subscription: 'STANDARD' })).toBe(tariff);
  });

  it.each<[local: string, TariffId]>([
    ['2024-06-10T02:00', 'tariff3'],
    ['2024-06-10T07:00', 'tariff1'],
    ['2024-06-10T12:30', 'tariff2'],
    ['2024-06-10T16:00', 'tariff1'],
  ])('STANDARD with a schedule, unscheduled times in tariff1: %s → %s', (local, tariff) => {
    const options: LinkyOptions = {
      subscription: 'STANDARD',
      standardSchedule: [
        { from: '12:00', to: '14:00', tariff: 2 },
        { from: '23:00', to: '06:00', tariff: 3 },
      ],
    };
    expect(currentTariff(paris(local), options)).toBe(tariff);
  });

  it('refuses a malformed local time or a tariff outside 1..10', () => {
    const at = paris('2024-06-10T12:00');
    expect(() =>
      currentTariff(at, { subscription: 'HCHP', hcWindows: [['9:00', '10:00']] }),
    ).toThrow(RangeError);
    expect(() =>
      currentTariff(at, {
        subscription: 'STANDARD',
        standardSchedule: [{ from: '00:00', to: '00:00', tariff: 11 }],
      }),
    ).toThrow(RangeError);
  });
});

describe('tempoColour', () => {
  const SEASONS = [2022, 2023, 2024, 2025, 2026];

  it.each(SEASONS)(
    'season %i: 22 red weekdays 1 Nov–31 Mar, 43 white days, Sundays blue',
    (year) => {
      const colours = new Map(seasonDays(year).map((date) => [date, colourAtNoon(date)]));
      const days = (colour: TempoColour) =>
        [...colours].filter(([, dayColour]) => dayColour === colour).map(([date]) => date);

      const red = days('red');
      expect(red).toHaveLength(22);
      expect(days('white')).toHaveLength(43);
      expect(red.every((date) => weekdayOf(date) <= 5 && isWinter(date))).toBe(true);
      expect(days('white').every((date) => weekdayOf(date) !== 7)).toBe(true);
      const sundays = [...colours].filter(([date]) => weekdayOf(date) === 7);
      expect(sundays.every(([, colour]) => colour === 'blue')).toBe(true);
      // Mostly in the coldest months.
      expect(red.filter((date) => [12, 1, 2].includes(monthOf(date))).length).toBeGreaterThan(11);
      // Never on a public holiday.
      for (const holiday of ['11-01', '11-11', '12-25']) {
        expect(colours.get(`${year}-${holiday}`)).not.toBe('red');
      }
      expect(colours.get(`${year + 1}-01-01`)).not.toBe('red');
    },
  );

  it('is the same on every call and differs from one season to the next', () => {
    const reds = (year: number) => seasonDays(year).filter((date) => colourAtNoon(date) === 'red');
    expect(reds(2024)).toEqual(reds(2024));
    const shifted = reds(2023).map((date) => `${Number(date.slice(0, 4)) + 1}${date.slice(4)}`);
    expect(reds(2024)).not.toEqual(shifted);
  });

  it('gives the hours before 06:00 the previous day’s colour, on every day of a season', () => {
    let changes = 0;
    for (const date of seasonDays(2024).slice(1)) {
      const yesterday = colourAtNoon(previousDay(date));
      const today = colourAtNoon(date);
      expect(tempoColour(paris(`${date}T00:00`))).toBe(yesterday);
      expect(tempoColour(paris(`${date}T05:59`))).toBe(yesterday);
      expect(tempoColour(paris(`${date}T06:00`))).toBe(today);
      if (today !== yesterday) changes++;
    }
    expect(changes).toBeGreaterThan(10);
  });

  it('places the day in the given zone', () => {
    const date = seasonDays(2024).find(
      (day) => colourAtNoon(day) === 'red' && colourAtNoon(nextDay(day)) !== 'red',
    );
    expect(date).toBeDefined();
    const after = nextDay(date ?? '');
    // 06:30 Paris = 05:30 London: a new day in Paris, still the red day in London.
    const instant = paris(`${after}T06:30`);
    expect(tempoColour(instant, PARIS)).not.toBe('red');
    expect(tempoColour(instant, 'Europe/London')).toBe('red');
  });

  it('drives the TEMPO tariff, HC 22:00–06:00 belonging to the day that began at 06:00', () => {
    const red = seasonDays(2024).find(
      (day) => colourAtNoon(day) === 'red' && colourAtNoon(nextDay(day)) === 'blue',
    );
    expect(red).toBeDefined();
    const day = red ?? '';
    const tempo = (local: string) => currentTariff(paris(local), { subscription: 'TEMPO' });
    expect(tempo(`${day}T05:59`)).toMatch(/^hcj[bwr]$/);
    expect(tempo(`${day}T06:00`)).toBe('hpjr');
    expect(tempo(`${day}T21:59`)).toBe('hpjr');
    expect(tempo(`${day}T22:00`)).toBe('hcjr');
    expect(tempo(`${nextDay(day)}T05:59`)).toBe('hcjr');
    expect(tempo(`${nextDay(day)}T06:00`)).toBe('hpjb');
  });
});

describe('EJP', () => {
  const peakDays = (year: number) =>
    seasonDays(year).filter((date) => isEjpPeakDay(paris(`${date}T12:00`)));

  it.each([2022, 2023, 2024, 2025])('season %i has 22 peak weekdays, 1 Nov–31 Mar', (year) => {
    const days = peakDays(year);
    expect(days).toHaveLength(22);
    expect(days.every((date) => weekdayOf(date) <= 5 && isWinter(date))).toBe(true);
  });

  it('has 18 peak hours on each peak day: 22 × 18 hours of pm in a season', () => {
    let halfHours = 0;
    const end = paris('2025-09-01T00:00').getTime();
    for (let time = paris('2024-09-01T00:00').getTime(); time < end; time += 1_800_000) {
      if (currentTariff(new Date(time), { subscription: 'EJP' }) === 'pm') halfHours++;
    }
    expect(halfHours).toBe(22 * 18 * 2);
  });

  it('runs the peak from 07:00 to 01:00 the next morning', () => {
    const days = peakDays(2024);
    const day = days.find((date) => !days.includes(nextDay(date)));
    expect(day).toBeDefined();
    const peak = day ?? '';
    const after = nextDay(peak);
    const ejp = (local: string) => currentTariff(paris(local), { subscription: 'EJP' });
    expect(ejp(`${peak}T00:30`)).toBe(days.includes(previousDay(peak)) ? 'pm' : 'hn');
    expect(ejp(`${peak}T06:59`)).toBe('hn');
    expect(ejp(`${peak}T07:00`)).toBe('pm');
    expect(ejp(`${peak}T23:59`)).toBe('pm');
    expect(ejp(`${after}T00:59`)).toBe('pm');
    expect(ejp(`${after}T01:00`)).toBe('hn');
    expect(ejp(`${after}T07:00`)).toBe('hn');
    expect(isEjpPeakDay(paris(`${after}T00:30`))).toBe(true);
    expect(isEjpPeakDay(paris(`${after}T01:00`))).toBe(false);
  });
});

describe('VirtualLinky', () => {
  // The first red day and the first EJP peak day of the 2024–2025 season.
  const tempoRed = seasonDays(2024).find((date) => colourAtNoon(date) === 'red') ?? '';
  const ejpPeak = seasonDays(2024).find((date) => isEjpPeakDay(paris(`${date}T12:00`))) ?? '';

  it.each<[Subscription, 'historic' | 'standard', instant: Date, TariffId, Record<string, number>]>(
    [
      ['BASE', 'historic', paris('2024-12-02T10:00'), 'th', { th: 7_191_269 }],
      ['HCHP', 'historic', paris('2024-12-02T23:00'), 'hc', { hc: 14_460_852, hp: 12_506_372 }],
      ['HCHP', 'historic', paris('2024-12-02T10:00'), 'hp', { hc: 1, hp: 2 }],
      [
        'TEMPO',
        'historic',
        paris(`${tempoRed}T22:30`),
        'hcjr',
        { hcjb: 512_828, hpjb: 586_895, hcjw: 130_504, hpjw: 125_314, hcjr: 18_132, hpjr: 42_111 },
      ],
      ['EJP', 'historic', paris(`${ejpPeak}T18:00`), 'pm', { hn: 1_000_000, pm: 20_000 }],
      ['EJP', 'historic', paris(`${ejpPeak}T05:00`), 'hn', { hn: 1_000_000, pm: 20_000 }],
      [
        'STANDARD',
        'standard',
        paris('2024-12-02T23:00'),
        'tariff1',
        { tariff1: 5_000, tariff2: 7 },
      ],
      [
        'STANDARD',
        'standard',
        paris('2024-12-02T10:00'),
        'tariff2',
        { tariff1: 5_000, tariff2: 7 },
      ],
    ],
  )(
    '%s in %s mode reads back through readTic (tariff %s)',
    (subscription, mode, instant, tariff, start) => {
      const linky = new VirtualLinky({
        subscription,
        intensitySubscribedA: 45,
        meterId: '031328141543',
        startIndexesWh: start,
      });
      linky.consume(instant, 1234.5);
      linky.setLoad(3450);
      const expectedIndexes = { ...linky.indexesWh };
      expect(expectedIndexes[tariff]).toBe(Math.floor((start[tariff] ?? 0) + 1234.5));

      const reading = readTic(parseTicDataset(linky.frame(instant)));
      expect(reading).toEqual({
        ticType: mode === 'historic' ? TIC_TYPES.historicMono : TIC_TYPES.standardMono,
        mode,
        meterId: '031328141543',
        subscription,
        currentTariff: tariff,
        indexesWh: expectedIndexes,
        totalIndexWh: Object.values(expectedIndexes).reduce((sum, wh) => sum + wh, 0),
        intensitySubscribedA: 45,
        apparentPowerVa: 3450,
        intensityA: 15,
      });
    },
  );

  it('sends the historic labels, PTEC and OPTARIF dot-padded', () => {
    const linky = new VirtualLinky({ subscription: 'HCHP', startIndexesWh: { hc: 14_460_852 } });
    linky.setLoad(520);
    expect(linky.labels(paris('2024-12-02T10:00'))).toEqual({
      ADCO: expect.stringMatching(/^\S{12}$/),
      OPTARIF: 'HC..',
      ISOUSC: '30',
      HCHC: '014460852',
      HCHP: '000000000',
      PTEC: 'HP..',
      IINST: '002',
      PAPP: '00520',
    });
  });

  it.each<[Subscription, string, string]>([
    ['BASE', 'BASE', 'TH..'],
    ['EJP', 'EJP.', 'HN..'],
    ['TEMPO', 'BBR(', 'HPJB'],
  ])('%s: OPTARIF %s, PTEC %s', (subscription, optarif, ptec) => {
    // A Sunday in summer: blue, not a peak day, high hours.
    const labels = new VirtualLinky({ subscription }).labels(paris('2024-07-07T12:00'));
    expect(labels.OPTARIF).toBe(optarif);
    expect(labels.PTEC).toBe(ptec);
  });

  it('frames historic lines LF LABEL SP VALUE SP CHECKSUM CR between STX and ETX', () => {
    const frame = new VirtualLinky({ subscription: 'HCHP' }).frame(paris('2024-12-02T10:00'));
    expect(frame.startsWith('\x02\n')).toBe(true);
    expect(frame.endsWith('\r\x03')).toBe(true);
    // Checksums worked out by hand in test/domain/tic.test.ts; PTEC HP.. has a space for one.
    expect(frame).toContain('\nOPTARIF HC.. <\r');
    expect(frame).toContain('\nISOUSC 30 9\r');
    expect(frame).toContain('\nPTEC HP..  \r');
  });

  it('frames standard lines LF LABEL HT VALUE HT CHECKSUM CR, with the standard labels', () => {
    const linky = new VirtualLinky({ subscription: 'STANDARD', standardSchedule: [] });
    const instant = paris('2024-12-02T10:00');
    const labels = linky.labels(instant);
    expect(Object.keys(labels)).toEqual(
      expect.arrayContaining(['ADSC', 'NGTF', 'LTARF', 'NTARF', 'EAST', 'PREF', 'SINSTS', 'IRMS1']),
    );
    for (let register = 1; register <= 10; register++) {
      expect(labels[`EASF${String(register).padStart(2, '0')}`]).toBe('000000000');
    }
    expect(labels.PREF).toBe('06');
    // NTARF 01: checksum worked out by hand in test/domain/tic.test.ts.
    expect(linky.frame(instant)).toContain('\nNTARF\t01\tN\r');
    expect(Object.keys(parseTicDataset(linky.frame(instant)))).toEqual(Object.keys(labels));
  });

  it('puts a historic contract on a standard TIC into the supplier registers, in the guide’s order', () => {
    const linky = new VirtualLinky({
      subscription: 'TEMPO',
      mode: 'standard',
      startIndexesWh: { hcjb: 1, hpjb: 2, hcjw: 3, hpjw: 4, hcjr: 5, hpjr: 6 },
    });
    const instant = paris(`${tempoRed}T12:00`);
    const reading = readTic(parseTicDataset(linky.frame(instant)));
    expect(reading.subscription).toBe('STANDARD');
    expect(reading.currentTariff).toBe('tariff6'); // hpjr
    expect(reading.indexesWh).toEqual({
      tariff1: 1,
      tariff2: 2,
      tariff3: 3,
      tariff4: 4,
      tariff5: 5,
      tariff6: 6,
      tariff7: 0,
      tariff8: 0,
      tariff9: 0,
      tariff10: 0,
    });
    expect(linky.labels(instant).LTARF?.trim()).toBe('HP ROUGE');
  });

  describe('consume', () => {
    it('adds energy to the index of the tariff in force', () => {
      const linky = new VirtualLinky({
        subscription: 'HCHP',
        startIndexesWh: { hc: 100, hp: 200 },
      });
      linky.consume(paris('2024-12-02T23:00'), 1500);
      linky.consume(paris('2024-12-03T05:59'), 500);
      linky.consume(paris('2024-12-03T06:00'), 40);
      expect(linky.indexesWh).toEqual({ hc: 2100, hp: 240 });
    });

    it('adds TEMPO energy to the colour’s index', () => {
      const linky = new VirtualLinky({ subscription: 'TEMPO' });
      linky.consume(paris(`${tempoRed}T10:00`), 10);
      linky.consume(paris(`${nextDay(tempoRed)}T03:00`), 20);
      expect(linky.indexesWh).toMatchObject({ hpjr: 10, hcjr: 20 });
    });

    it('keeps fractions of a Wh until they make whole ones', () => {
      const linky = new VirtualLinky({ subscription: 'BASE' });
      const at = paris('2024-12-02T10:00');
      for (let step = 0; step < 10_000; step++) linky.consume(at, 0.1);
      expect(linky.indexesWh).toEqual({ th: 1000 });
      linky.consume(at, 0.6);
      expect(linky.indexesWh).toEqual({ th: 1000 });
      expect(linky.labels(at).BASE).toBe('000001000');
    });

    it('refuses negative energy', () => {
      expect(() => new VirtualLinky({ subscription: 'BASE' }).consume(new Date(), -1)).toThrow(
        RangeError,
      );
    });
  });

  it.each<[string, LinkyOptions]>([
    ['STANDARD on a historic TIC', { subscription: 'STANDARD', mode: 'historic' }],
    ['an index of another subscription', { subscription: 'BASE', startIndexesWh: { hc: 1 } }],
    ['a negative start index', { subscription: 'BASE', startIndexesWh: { th: -1 } }],
    [
      '32 A on a standard TIC (PREF is whole kVA)',
      { subscription: 'STANDARD', intensitySubscribedA: 32 },
    ],
    ['a three-digit ISOUSC', { subscription: 'BASE', intensitySubscribedA: 100 }],
    ['a short meter id', { subscription: 'BASE', meterId: '1234' }],
    ['an unknown zone', { subscription: 'BASE', zone: 'Mars/Olympus' }],
    ['a malformed HC window', { subscription: 'HCHP', hcWindows: [['22h', '06:00']] }],
  ])('refuses %s', (_case, options) => {
    expect(() => new VirtualLinky(options)).toThrow(RangeError);
  });
});
