import { describe, expect, it } from 'vitest';
import {
  EMPTY_CALENDAR,
  classPeriods,
  declarationProblems,
  declaredClassAt,
  declaredPeriods,
  declaredTariffAt,
  offPeakHoursOf,
  type Declaration,
  type DeclaredSubscription,
  type TariffCalendar,
  type TempoColour,
} from '../../src/domain/tariff-schedule.js';

const PARIS = 'Europe/Paris';

const declared = (subscription: DeclaredSubscription, ...offPeakHours: string[]): Declaration => ({
  subscription,
  offPeakHours,
});

const calendar = (
  tempo: Record<string, TempoColour> = {},
  ejpPeakDays: string[] = [],
): TariffCalendar => ({ tempo: new Map(Object.entries(tempo)), ejpPeakDays: new Set(ejpPeakDays) });

/** Winter in Paris is UTC+1, summer UTC+2: each case gives the local time it means. */
const HCHP_NIGHT = declared('HCHP', '22:00-06:00');
const HCHP_TWO = declared('HCHP', '01:30-07:30', '12:30-14:30');
const TEMPO = declared('TEMPO');
const EJP = declared('EJP');
const DAYS = calendar({ '2026-01-14': 'RED', '2026-01-15': 'WHITE' }, ['2026-01-20']);

describe('the tariff at an instant', () => {
  it.each([
    // [case, declaration, instant (UTC), tariff]
    ['BASE, any time', declared('BASE'), '2026-01-14T03:00:00Z', 'th'],
    ['HCHP night, 21:59 local', HCHP_NIGHT, '2026-03-10T20:59:00Z', 'hp'],
    ['HCHP night, 22:00 local', HCHP_NIGHT, '2026-03-10T21:00:00Z', 'hc'],
    ['HCHP night past midnight, 00:30 local', HCHP_NIGHT, '2026-03-10T23:30:00Z', 'hc'],
    ['HCHP night, 05:59 local', HCHP_NIGHT, '2026-03-11T04:59:00Z', 'hc'],
    ['HCHP night ends at 06:00 local', HCHP_NIGHT, '2026-03-11T05:00:00Z', 'hp'],
    ['two windows, 01:29 local', HCHP_TWO, '2026-03-11T00:29:00Z', 'hp'],
    ['two windows, 01:30 local', HCHP_TWO, '2026-03-11T00:30:00Z', 'hc'],
    ['two windows, 10:00 local', HCHP_TWO, '2026-03-11T09:00:00Z', 'hp'],
    ['two windows, 13:00 local', HCHP_TWO, '2026-03-11T12:00:00Z', 'hc'],
    ['two windows, 14:30 local', HCHP_TWO, '2026-03-11T13:30:00Z', 'hp'],
    ['two windows in summer, 13:00 local', HCHP_TWO, '2026-07-01T11:00:00Z', 'hc'],
    [
      'Tempo, 05:59 on a red day is still the blue day before',
      TEMPO,
      '2026-01-14T04:59:00Z',
      'hcjb',
    ],
    ['Tempo, the red day starts at 06:00', TEMPO, '2026-01-14T05:00:00Z', 'hpjr'],
    ['Tempo, red day 21:59', TEMPO, '2026-01-14T20:59:00Z', 'hpjr'],
    ['Tempo, red night from 22:00', TEMPO, '2026-01-14T21:00:00Z', 'hcjr'],
    ['Tempo, 05:59 next morning is still the red night', TEMPO, '2026-01-15T04:59:00Z', 'hcjr'],
    ['Tempo, the white day starts at 06:00', TEMPO, '2026-01-15T05:00:00Z', 'hpjw'],
    ['Tempo, a day not in the calendar is blue', TEMPO, '2026-01-16T11:00:00Z', 'hpjb'],
    ['Tempo with its own hours', declared('TEMPO', '23:00-07:00'), '2026-01-14T21:30:00Z', 'hpjr'],
    ['EJP peak day, 06:59', EJP, '2026-01-20T05:59:00Z', 'hn'],
    ['EJP peak day, the peak starts at 07:00', EJP, '2026-01-20T06:00:00Z', 'pm'],
    ['EJP peak runs past midnight, 00:59', EJP, '2026-01-20T23:59:00Z', 'pm'],
    ['EJP peak ends at 01:00', EJP, '2026-01-21T00:00:00Z', 'hn'],
    ['EJP, the day after a peak day', EJP, '2026-01-21T08:00:00Z', 'hn'],
    ['EJP, 00:30 on a peak day is the night before', EJP, '2026-01-19T23:30:00Z', 'hn'],
  ] as const)('%s → %s', (_case, declaration, instant, tariff) => {
    expect(declaredTariffAt(declaration, PARIS, DAYS, new Date(instant))).toBe(tariff);
  });

  it.each([
    ['hc', HCHP_NIGHT, '2026-03-10T23:30:00Z'],
    ['hp', HCHP_NIGHT, '2026-03-10T12:00:00Z'],
    ['hc', EJP, '2026-01-21T08:00:00Z'],
    ['hp', EJP, '2026-01-20T08:00:00Z'],
    ['hp', declared('BASE'), '2026-01-20T08:00:00Z'],
  ] as const)('class %s: %j at %s', (type, declaration, instant) => {
    expect(declaredClassAt(declaration, PARIS, DAYS, new Date(instant))).toBe(type);
  });

  it('an empty calendar is all blue and no peak day', () => {
    expect(declaredTariffAt(TEMPO, PARIS, EMPTY_CALENDAR, new Date('2026-01-14T12:00Z'))).toBe(
      'hpjb',
    );
    expect(declaredTariffAt(EJP, PARIS, EMPTY_CALENDAR, new Date('2026-01-20T12:00Z'))).toBe('hn');
  });

  it('Tempo has 22:00-06:00 when no hours are declared', () => {
    expect(offPeakHoursOf(TEMPO)).toEqual(['22:00-06:00']);
    expect(offPeakHoursOf(HCHP_TWO)).toEqual(['01:30-07:30', '12:30-14:30']);
    expect(offPeakHoursOf(EJP)).toEqual([]);
  });
});

/** Periods as [start (UTC), tariff] pairs. */
const periods = (declaration: Declaration, from: string, to: string, days = DAYS) =>
  declaredPeriods(declaration, PARIS, days, new Date(from), new Date(to)).map((period) => [
    period.start.toISOString(),
    period.tariff,
  ]);

describe('declared periods', () => {
  it.each([
    [
      'HCHP night over a winter day',
      HCHP_NIGHT,
      '2026-03-10T12:00:00.000Z',
      '2026-03-11T12:00:00.000Z',
      [
        ['2026-03-10T12:00:00.000Z', 'hp'],
        ['2026-03-10T21:00:00.000Z', 'hc'],
        ['2026-03-11T05:00:00.000Z', 'hp'],
      ],
    ],
    [
      'two windows',
      HCHP_TWO,
      '2026-03-11T00:00:00.000Z',
      '2026-03-12T00:00:00.000Z',
      [
        ['2026-03-11T00:00:00.000Z', 'hp'],
        ['2026-03-11T00:30:00.000Z', 'hc'],
        ['2026-03-11T06:30:00.000Z', 'hp'],
        ['2026-03-11T11:30:00.000Z', 'hc'],
        ['2026-03-11T13:30:00.000Z', 'hp'],
      ],
    ],
    [
      'Tempo across a red and a white day',
      TEMPO,
      '2026-01-14T00:00:00.000Z',
      '2026-01-16T00:00:00.000Z',
      [
        ['2026-01-14T00:00:00.000Z', 'hcjb'],
        ['2026-01-14T05:00:00.000Z', 'hpjr'],
        ['2026-01-14T21:00:00.000Z', 'hcjr'],
        ['2026-01-15T05:00:00.000Z', 'hpjw'],
        ['2026-01-15T21:00:00.000Z', 'hcjw'],
      ],
    ],
    [
      'EJP around a peak day',
      EJP,
      '2026-01-20T00:00:00.000Z',
      '2026-01-21T12:00:00.000Z',
      [
        ['2026-01-20T00:00:00.000Z', 'hn'],
        ['2026-01-20T06:00:00.000Z', 'pm'],
        ['2026-01-21T00:00:00.000Z', 'hn'],
      ],
    ],
    [
      'BASE is one period',
      declared('BASE'),
      '2026-01-20T00:00:00Z',
      '2026-02-20T00:00:00Z',
      [['2026-01-20T00:00:00.000Z', 'th']],
    ],
    [
      'a change exactly at `to` starts no period',
      HCHP_NIGHT,
      '2026-03-10T12:00:00.000Z',
      '2026-03-10T21:00:00.000Z',
      [['2026-03-10T12:00:00.000Z', 'hp']],
    ],
  ] as const)('%s', (_case, declaration, from, to, expected) => {
    expect(periods(declaration, from, to)).toEqual(expected);
  });

  describe('on the days clocks change in Europe/Paris', () => {
    it('spring forward (29 March 2026, 02:00 → 03:00): 06:00 is 04:00 UTC that morning', () => {
      expect(periods(HCHP_NIGHT, '2026-03-28T12:00:00Z', '2026-03-29T12:00:00Z')).toEqual([
        ['2026-03-28T12:00:00.000Z', 'hp'],
        ['2026-03-28T21:00:00.000Z', 'hc'],
        ['2026-03-29T04:00:00.000Z', 'hp'],
      ]);
    });

    it('fall back (25 October 2026, 03:00 → 02:00): 22:00 is 21:00 UTC that evening', () => {
      expect(periods(HCHP_NIGHT, '2026-10-24T12:00:00Z', '2026-10-25T23:00:00Z')).toEqual([
        ['2026-10-24T12:00:00.000Z', 'hp'],
        ['2026-10-24T20:00:00.000Z', 'hc'],
        ['2026-10-25T05:00:00.000Z', 'hp'],
        ['2026-10-25T21:00:00.000Z', 'hc'],
      ]);
    });

    it('a window starting in the skipped hour starts when the clocks jump', () => {
      const night = declared('HCHP', '02:30-05:00');
      // 02:30 does not exist that night: from 03:00 CEST (01:00 UTC) on it is off-peak.
      expect(periods(night, '2026-03-29T00:00:00Z', '2026-03-29T06:00:00Z')).toEqual([
        ['2026-03-29T00:00:00.000Z', 'hp'],
        ['2026-03-29T01:00:00.000Z', 'hc'],
        ['2026-03-29T03:00:00.000Z', 'hp'],
      ]);
    });

    it('a window starting in the repeated hour starts twice', () => {
      const night = declared('HCHP', '02:30-05:00');
      // 02:30 CEST (00:30 UTC) → off-peak; 02:00 CET (01:00 UTC) is before 02:30 again; 02:30
      // CET (01:30 UTC) → off-peak until 05:00 CET (04:00 UTC).
      expect(periods(night, '2026-10-25T00:00:00Z', '2026-10-25T06:00:00Z')).toEqual([
        ['2026-10-25T00:00:00.000Z', 'hp'],
        ['2026-10-25T00:30:00.000Z', 'hc'],
        ['2026-10-25T01:00:00.000Z', 'hp'],
        ['2026-10-25T01:30:00.000Z', 'hc'],
        ['2026-10-25T04:00:00.000Z', 'hp'],
      ]);
    });

    it('the Tempo day starts at 06:00 local time either side of the change', () => {
      expect(
        periods(
          TEMPO,
          '2026-03-29T00:00:00Z',
          '2026-03-30T12:00:00Z',
          calendar({ '2026-03-30': 'RED' }),
        ),
      ).toEqual([
        ['2026-03-29T00:00:00.000Z', 'hcjb'],
        ['2026-03-29T04:00:00.000Z', 'hpjb'],
        ['2026-03-29T20:00:00.000Z', 'hcjb'],
        ['2026-03-30T04:00:00.000Z', 'hpjr'],
      ]);
    });
  });

  it('each period holds until the next, every tariff agreeing with declaredTariffAt', () => {
    const from = new Date('2026-01-10T00:00:00Z');
    const to = new Date('2026-01-25T00:00:00Z');
    const found = declaredPeriods(TEMPO, PARIS, DAYS, from, to);
    for (let at = from.getTime(); at < to.getTime(); at += 15 * 60_000) {
      const period = found.findLast((p) => p.start.getTime() <= at)!;
      expect(period.tariff).toBe(declaredTariffAt(TEMPO, PARIS, DAYS, new Date(at)));
    }
  });

  it('classPeriods merges tariffs of one class', () => {
    const tempo = declaredPeriods(
      TEMPO,
      PARIS,
      DAYS,
      new Date('2026-01-14T00:00:00Z'),
      new Date('2026-01-16T00:00:00Z'),
    );
    expect(classPeriods(tempo).map((p) => [p.start.toISOString(), p.type])).toEqual([
      ['2026-01-14T00:00:00.000Z', 'hc'],
      ['2026-01-14T05:00:00.000Z', 'hp'],
      ['2026-01-14T21:00:00.000Z', 'hc'],
      ['2026-01-15T05:00:00.000Z', 'hp'],
      ['2026-01-15T21:00:00.000Z', 'hc'],
    ]);
    // hpjb → hpjr (06:00 on the red day) is one high period: nothing to merge with a split.
    const mixed = declaredPeriods(
      TEMPO,
      PARIS,
      calendar({ '2026-01-14': 'RED' }),
      new Date('2026-01-13T12:00:00Z'),
      new Date('2026-01-14T12:00:00Z'),
    );
    expect(mixed.map((p) => p.tariff)).toEqual(['hpjb', 'hcjb', 'hpjr']);
    expect(classPeriods(mixed).map((p) => p.type)).toEqual(['hp', 'hc', 'hp']);
    expect(
      classPeriods([
        { start: new Date(0), tariff: 'hpjb', type: 'hp' },
        { start: new Date(1000), tariff: 'hpjr', type: 'hp' },
      ]),
    ).toEqual([{ start: new Date(0), tariff: 'hpjb', type: 'hp' }]);
  });
});

describe('declarationProblems', () => {
  it.each([
    ['BASE alone', declared('BASE'), []],
    ['HCHP with one window', HCHP_NIGHT, []],
    ['HCHP with two windows', HCHP_TWO, []],
    ['TEMPO without hours', TEMPO, []],
    ['TEMPO with its own hours', declared('TEMPO', '23:00-07:00'), []],
    ['EJP alone', EJP, []],
    ['HCHP without hours', declared('HCHP'), ['HCHP needs its off-peak hours']],
    ['BASE with hours', declared('BASE', '22:00-06:00'), ['BASE has no off-peak hours']],
    [
      'EJP with hours',
      declared('EJP', '22:00-06:00'),
      ['EJP has no off-peak hours: its peak days come from the calendar'],
    ],
    [
      'a window not HH:MM-HH:MM',
      declared('HCHP', '22h-6h'),
      ['22h-6h is not a window of the form HH:MM-HH:MM'],
    ],
    [
      'an hour past 23',
      declared('HCHP', '22:00-24:00'),
      ['22:00-24:00 is not a window of the form HH:MM-HH:MM'],
    ],
    ['an empty window', declared('HCHP', '22:00-22:00'), ['22:00-22:00 is empty']],
    [
      'windows that overlap',
      declared('HCHP', '22:00-06:00', '05:00-07:00'),
      ['off-peak windows overlap'],
    ],
    [
      'windows that overlap past midnight',
      declared('HCHP', '23:00-01:00', '00:30-02:00'),
      ['off-peak windows overlap'],
    ],
    ['windows that touch', declared('HCHP', '22:00-02:00', '02:00-06:00'), []],
  ] as const)('%s', (_case, declaration, problems) => {
    expect(declarationProblems(declaration)).toEqual(problems);
  });
});
