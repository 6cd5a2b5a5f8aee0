import { describe, expect, it } from 'vitest';
import { seriesOf } from '../../src/dashboard/energy.js';
import { guideExample } from '../helpers/test-app.js';

type Rows = Parameters<typeof seriesOf>[1];

describe('the chart’s series', () => {
  it('a Tempo subscription: one series per tariff, its day colour, from the guide’s example', () => {
    const rows = guideExample<Rows>('14-measure-aggregation-result-tempo-hour.json');
    const series = seriesOf('house', rows, ['2020-06-28', '2020-06-29'], 'Europe/Paris');
    expect(series.map((s) => s.tariff)).toEqual(['hcjb', 'hpjb', 'hcjw', 'hpjw', 'hcjr', 'hpjr']);
    expect(Object.fromEntries(series.map((s) => [s.tariff, s.values]))).toEqual({
      hcjb: [0, 4],
      hpjb: [0, 3],
      hcjw: [0, 5],
      hpjw: [0, 2],
      hcjr: [0, 6],
      hpjr: [0, 1],
    });
  });

  it('HC/HP: one series per class; Base: one series; months sum their days', () => {
    const hchp = seriesOf(
      'station',
      [
        { date: '2026-03-01T10:00:00.000Z', tariffType: 'hp', value: 2, valueHp: 2 },
        { date: '2026-03-01T23:30:00.000Z', tariffType: 'hc', value: 1, valueHc: 1 },
        { date: '2026-03-20T10:00:00.000Z', tariffType: 'hp', value: 3, valueHp: 3 },
      ],
      ['2026-02', '2026-03'],
      'Europe/Paris',
    );
    expect(hchp).toEqual([
      { source: 'station', tariff: 'hc', values: [0, 1] },
      { source: 'station', tariff: 'hp', values: [0, 5] },
    ]);
    const base = seriesOf(
      'station',
      [{ date: '2026-03-01T10:00:00.000Z', tariffType: 'hp', value: 2, valueTh: 2 }],
      ['2026-03-01'],
      'Europe/Paris',
    );
    expect(base).toEqual([{ source: 'station', tariff: 'base', values: [2] }]);
  });
});
