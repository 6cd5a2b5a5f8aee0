import { afterAll, beforeAll, expect, it } from 'vitest';
import { backfill } from '../../src/demo/backfill.js';
import { aHome } from '../helpers/builders.js';
import { createTestApp, describeEachDialect, type TestApp } from '../helpers/test-app.js';

describeEachDialect('history backfill through the ingest', (dialect) => {
  let t: TestApp;
  let token: string;
  let stationPath: string;
  let meterPath: string;
  let result: { readings: number; sessions: number };
  const end = new Date('2026-11-20T12:00:00Z'); // a Friday

  beforeAll(async () => {
    t = await createTestApp(dialect);
    ({ token } = await t.user('owner'));
    const home = await aHome(t, token, { serialNumber: 'BACKFILL-1' });
    ({ stationPath, meterPath } = home);
    const { device } = home;
    await t.api('POST', `${meterPath}/operators/authorize-tic`, {
      token,
      body: { authorizeTIC: true },
    });
    result = await backfill(t.app.platform, {
      uid: device.uid,
      days: 3,
      end,
      subscription: 'HCHP',
      chargeMode: 'deferred',
    });
  });
  afterAll(() => t.close());

  it('reads every 10 minutes and holds a session each plugged evening', () => {
    expect(result.readings).toBe(3 * 144);
    expect(result.sessions).toBeGreaterThanOrEqual(2);
  });

  it('station energy by day matches its sessions, and deferred mode charged only from HC', async () => {
    const range = { startDate: '2026-11-17T00:00:00Z', endDate: end.toISOString() };
    const sessions = (
      await t.api('POST', `${stationPath}/logs/2/operators/list`, { token, body: range })
    ).json();
    const energy = (
      await t.api('POST', `${stationPath}/measures/1/operators/sum`, {
        token,
        body: { ...range, step: 'year' },
      })
    ).json();
    const fromSessions = sessions.reduce(
      (total: number, s: { value: { energy: number } }) => total + s.value.energy,
      0,
    );
    const total = energy.reduce((sum: number, row: { value: number }) => sum + row.value, 0);
    expect(total).toBeCloseTo(fromSessions, 2);
    const starts = (
      await t.api('POST', `${stationPath}/logs/1/operators/list`, { token, body: range })
    ).json();
    for (const start of starts) {
      const hour = Number(
        new Intl.DateTimeFormat('en-GB', {
          hour: 'numeric',
          hourCycle: 'h23',
          timeZone: 'Europe/Paris',
        }).format(new Date(start.date)),
      );
      expect(hour >= 22 || hour < 6).toBe(true);
    }
  });

  it('the grid meter has the house consumption by tariff, and its current state', async () => {
    const rows = (
      await t.api('POST', `${meterPath}/measures/1/operators/sum`, {
        token,
        body: { startDate: '2026-11-18T23:00:00Z', endDate: '2026-11-19T23:00:00Z', step: 'day' },
      })
    ).json();
    expect(rows.map((row: { tariffType: string }) => row.tariffType)).toEqual(['hc', 'hp']);
    const meter = (await t.api('GET', meterPath, { token })).json();
    expect(meter.properties).toMatchObject({
      gridSubscription: 'HCHP',
      ticType: 5,
      intensitySubscribed: 45,
    });
  });
});
