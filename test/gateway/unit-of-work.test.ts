import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { aHome, settled } from '../helpers/builders.js';
import { TestStation } from '../helpers/station.js';
import { createTestApp, describeEachDialect, type TestApp } from '../helpers/test-app.js';

const T0 = Date.parse('2026-05-04T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

/** Makes every insert of a sample fail, as a full disk or a lost connection would. */
async function breakSampleInserts(t: TestApp): Promise<void> {
  const { db, dialect } = t.app.platform.store;
  if (dialect === 'sqlite') {
    await sql`create trigger samples_fail before insert on measure_samples
      begin select raise(abort, 'disk full'); end`.execute(db);
  } else {
    await sql`create function samples_fail() returns trigger language plpgsql
      as $$ begin raise exception 'disk full'; end $$`.execute(db);
    await sql`create trigger samples_fail before insert on measure_samples
      for each row execute function samples_fail()`.execute(db);
  }
}

async function repairSampleInserts(t: TestApp): Promise<void> {
  const { db, dialect } = t.app.platform.store;
  if (dialect === 'sqlite') {
    await sql`drop trigger if exists samples_fail`.execute(db);
  } else {
    await sql`drop trigger if exists samples_fail on measure_samples`.execute(db);
    await sql`drop function if exists samples_fail()`.execute(db);
  }
}

describeEachDialect('one OCPP message, one transaction', (dialect) => {
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    t = await createTestApp(dialect, {}, { listen: true });
    ({ token } = await t.user('owner'));
  });
  afterAll(() => t.close());

  it('a MeterValues whose samples cannot be stored changes nothing, and its retry counts the energy', async () => {
    const home = await aHome(t, token, { serialNumber: 'ATOMIC-1' });
    const station = new TestStation({
      url: t.wsUrl,
      uid: home.device.uid,
      password: home.device.password,
    });
    await station.connect();
    try {
      await station.boot();
      await station.status(1, 'Preparing', { timestamp: at(0) });
      const transactionId = await station.startTransaction(1, 10_000, at(0));
      await station.meterValues(1, transactionId, at(10), 11_000);

      await breakSampleInserts(t);
      // The station is told the message failed (it retries it, OCPP 1.6 §4.7)…
      await expect(station.meterValues(1, transactionId, at(20), 12_500)).rejects.toThrow();
      await repairSampleInserts(t);
      // …and the register baseline did not move without its samples: the retry counts.
      await station.meterValues(1, transactionId, at(20), 12_500);
      await station.stopTransaction(transactionId, 12_500, at(30));

      const rows = (
        await t.api('POST', `${home.stationPath}/measures/1/operators/sum`, {
          token,
          body: { startDate: at(0), endDate: at(60), step: 'hour' },
        })
      ).json();
      expect(rows).toEqual([{ date: at(0), tariffType: 'hp', value: 2.5, valueTh: 2.5 }]);
      const { lastSession } = (await t.api('GET', home.stationPath, { token })).json().properties;
      expect(lastSession.totalSessionEnergy).toBe(2.5);
    } finally {
      await repairSampleInserts(t);
      await station.close();
    }
  });

  it('a failed StartTransaction opens no session, and the retried one does', async () => {
    const home = await aHome(t, token, { serialNumber: 'ATOMIC-2' });
    const station = new TestStation({
      url: t.wsUrl,
      uid: home.device.uid,
      password: home.device.password,
    });
    await station.connect();
    try {
      await station.boot();
      await station.status(1, 'Charging', { timestamp: at(0) });
      await breakSampleInserts(t);
      await station.meterValues(1, undefined, at(0), 5_000).catch(() => undefined);
      await repairSampleInserts(t);
      await station.meterValues(1, undefined, at(1), 5_000);
      await breakSampleInserts(t);
      await expect(station.startTransaction(1, 6_000, at(5))).rejects.toThrow();
      await repairSampleInserts(t);
      expect(
        (await t.api('GET', home.stationPath, { token })).json().properties.currentSession,
      ).toBeNull();
      const transactionId = await station.startTransaction(1, 6_000, at(5));
      expect(
        (await t.api('GET', home.stationPath, { token })).json().properties.currentSession,
      ).not.toBeNull();
      await station.stopTransaction(transactionId, 7_000, at(15));
    } finally {
      await repairSampleInserts(t);
      await station.close();
    }
  });

  it('a transaction the platform refuses (Blocked) never becomes the last session', async () => {
    const home = await aHome(t, token, { serialNumber: 'BLOCKED-1' });
    const base = home.stationPath;
    const station = new TestStation({
      url: t.wsUrl,
      uid: home.device.uid,
      password: home.device.password,
      generic: true,
    });
    await station.connect();
    try {
      await station.boot();
      await station.status(1, 'Preparing', { timestamp: at(0) });
      // A real session while the mode is immediate: 0.082 kWh.
      const charged = await station.startTransaction(1, 20_000, at(0), 'LOCALTAG');
      await station.meterValues(1, charged, at(10), 20_082);
      await station.stopTransaction(charged, 20_082, at(20));
      await station.status(1, 'Available', { timestamp: at(20) });

      const mode = await t.api('POST', `${base}/operators/set-charge-mode`, {
        token,
        body: { chargeMode: 'deferred' },
      });
      expect(await settled(t, token, mode.headers.location as string)).toMatchObject({
        status: 'accepted',
      });

      await station.status(1, 'Preparing', { timestamp: at(30) });
      const refused = (await station.client.call('StartTransaction', {
        connectorId: 1,
        idTag: 'LOCALTAG',
        meterStart: 20_082,
        timestamp: at(31),
      })) as { transactionId: number; idTagInfo: { status: string } };
      expect(refused.idTagInfo.status).toBe('Blocked');
      // OCPP 1.6 §4.8: the charger ends the refused transaction itself.
      await station.stopTransaction(refused.transactionId, 20_082, at(31), 'DeAuthorized');

      const { properties } = (await t.api('GET', base, { token })).json();
      expect(properties.currentSession).toBeNull();
      expect(properties.lastSession).toMatchObject({ totalSessionEnergy: 0.082 });
    } finally {
      await station.close();
    }
  });
});
