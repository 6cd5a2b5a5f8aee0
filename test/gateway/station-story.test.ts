import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, describeEachDialect, type TestApp } from '../helpers/test-app.js';
import { settled } from '../helpers/builders.js';
import { TestStation } from '../helpers/station.js';

const UID = 'Fbo5WTTsSeeLQ8YYoLzNwN';

describeEachDialect('a Witty station, from association to a remote-started session', (dialect) => {
  let t: TestApp;
  let token: string;
  let installationId: number;
  let stationId: string;
  let station: TestStation;
  let base: string;

  const get = async () => (await t.api('GET', base, { token })).json();
  const post = (path: string, body?: unknown) => t.api('POST', `${base}${path}`, { token, body });

  beforeAll(async () => {
    t = await createTestApp(dialect, { WITTY_COMMAND_TIMEOUT_SECONDS: '1' }, { listen: true });
    ({ token } = await t.user('owner'));
    const installation = await t.api('POST', '/v1/installations', {
      token,
      body: {
        name: 'Maison',
        locationName: 'Bordeaux',
        locationGpsCoordinates: { latitude: 44.8, longitude: -0.6 },
      },
    });
    installationId = installation.json().installationId;
    const { password } = await t.app.platform.devices.provision({
      uid: UID,
      serialNumber: '1234ABCDEF5678',
      macAddress: 'F8-F5-05-DC-33-83',
    });
    const associated = await t.api(
      'POST',
      `/v1/installations/${installationId}/charging-stations`,
      {
        token,
        body: {
          qrCode: `https://hgr.io/u/${UID}`,
          timezone: 'Romance Standard Time',
          country: 'fr-fr',
        },
      },
    );
    expect(associated.statusCode).toBe(201);
    stationId = associated.json().id;
    base = `/v1/installations/${installationId}/charging-stations/${stationId}`;
    station = new TestStation({ url: t.wsUrl, uid: UID, password });
    await station.connect();
  });
  afterAll(async () => {
    await station.close();
    await t.close();
  });

  it('boot is accepted with a 600 s heartbeat, and the station reads as available', async () => {
    const boot = await station.boot();
    expect(boot).toMatchObject({ status: 'Accepted', interval: 600 });
    await station.status(0, 'Available');
    await station.status(1, 'Available');
    await station.status(2, 'Available');
    await station.dataTransfer('StationInfo', {
      wifiSsid: 'myInternetBox-ABCD',
      phaseNumber: 'threePhase',
      erlConnected: true,
      ticConnected: 'connected',
      connectivityType: 'ethernet',
    });
    const body = await get();
    expect(body).toMatchObject({
      id: stationId,
      serialNumber: '1234ABCDEF5678',
      uuid: UID,
      installationParentId: installationId,
      type: 'chargingStation',
      properties: {
        productReference: 'XEVFR',
        macAddress: 'F8-F5-05-DC-33-83',
        wifiSsid: 'myInternetBox-ABCD',
        phaseNumber: 'threePhase',
        erlConnected: true,
        availability: 'available',
        carPlugStatus: null,
        chargeMode: 'immediate',
        ledPower: 100,
        tariff1: 'hc',
        tariff2: 'hp',
        timezone: 'Romance Standard Time',
        culture: 'fr-fr',
        error: { code: 0 },
        currentSession: null,
        lastSession: null,
        heartbeat: { heartbeat: true, receptionDate: expect.any(String) },
      },
    });
  });

  it('plug → occupied, m3', async () => {
    await station.status(1, 'Preparing');
    const { properties } = await get();
    expect(properties).toMatchObject({ availability: 'occupied', carPlugStatus: 'm3' });
  });

  it.each([
    ['set-charge-mode', { chargeMode: 'deferred' }, 'CAR_PLUGGED'],
    ['start', undefined, 'CHARGE_MODE_IMMEDIATE'],
    ['stop', undefined, 'CHARGE_MODE_IMMEDIATE'],
  ])('%s answers 409 %s before anything is sent', async (operator, body, code) => {
    const before = station.received.length;
    const response = await post(`/operators/${operator}`, body);
    expect(response.statusCode).toBe(409);
    expect(response.json().code).toBe(code);
    expect(station.received.length).toBe(before);
  });

  it('PUT of ledPower while plugged is 409 CAR_PLUGGED; cloud fields alone are applied at once', async () => {
    const refused = await t.api('PUT', base, { token, body: { ledPower: 50 } });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().code).toBe('CAR_PLUGGED');
    const cloud = await t.api('PUT', base, {
      token,
      body: { friendlyName: 'Garage', averageEvConsumption: 14.2 },
    });
    expect(cloud.statusCode).toBe(202);
    expect(cloud.json()).toMatchObject({ type: 'update', status: 'accepted', calls: [] });
    expect((await get()).properties).toMatchObject({
      friendlyName: 'Garage',
      averageEvConsumption: '14.2',
      isDefaultAverageEvConsumption: false,
    });
  });

  it('unplugged, set-charge-mode deferred → 202, ChangeConfiguration at the station, accepted', async () => {
    await station.status(1, 'Available');
    const received = station.nextCall('ChangeConfiguration');
    const response = await post('/operators/set-charge-mode', { chargeMode: 'deferred' });
    expect(response.statusCode).toBe(202);
    expect(response.json()).toMatchObject({
      type: 'setChargeMode',
      status: 'pending',
      chargingStationId: stationId,
    });
    expect(response.headers.location).toBe(`${base}/commands/${response.json().commandId}`);
    expect((await received).params).toEqual({ key: 'WittyChargeMode', value: 'deferred' });
    const command = await settled(t, token, response.headers.location as string);
    expect(command).toMatchObject({
      status: 'accepted',
      completedDate: expect.any(String),
      calls: [{ action: 'ChangeConfiguration', response: { status: 'Accepted' } }],
    });
    expect((await get()).properties.chargeMode).toBe('deferred');
  });

  it('a rejected ChangeConfiguration ends the command rejected', async () => {
    station.answers.set('ChangeConfiguration', () => ({ status: 'Rejected' }));
    const response = await t.api('PUT', base, { token, body: { ledPower: 40, tariff3: 'hp' } });
    expect(response.statusCode).toBe(202);
    const command = await settled(t, token, response.headers.location as string);
    expect(command.status).toBe('rejected');
    expect(command.calls).toHaveLength(1); // stops at the first refusal
    station.answers.delete('ChangeConfiguration');
  });

  it('a station that does not answer in time ends the command timedOut', async () => {
    station.answers.set(
      'ChangeConfiguration',
      () => new Promise((resolve) => setTimeout(() => resolve({ status: 'Accepted' }), 1500)),
    );
    const response = await t.api('PUT', base, { token, body: { ledPower: 60 } });
    const command = await settled(t, token, response.headers.location as string);
    expect(command.status).toBe('timedOut');
    station.answers.delete('ChangeConfiguration');
    await new Promise((resolve) => setTimeout(resolve, 600)); // let the late answer arrive
  });

  describe('a remote-started session', () => {
    let transactionId: number;

    it('unplugged in deferred mode, start and stop → 409 CAR_NOT_PLUGGED', async () => {
      for (const operator of ['start', 'stop']) {
        const response = await post(`/operators/${operator}`);
        expect(response.statusCode).toBe(409);
        expect(response.json().code).toBe('CAR_NOT_PLUGGED');
      }
    });

    it('plugged in deferred mode, start → RemoteStartTransaction on M3', async () => {
      await station.status(1, 'Preparing');
      const received = station.nextCall('RemoteStartTransaction');
      const response = await post('/operators/start');
      expect(response.statusCode).toBe(202);
      expect((await received).params).toEqual({ connectorId: 1, idTag: 'WITTY-REMOTE' });
      expect((await settled(t, token, response.headers.location as string)).status).toBe(
        'accepted',
      );
    });

    it('StartTransaction, Charging and meter values → currentSession energy and range', async () => {
      const start = new Date(Date.now() - 3600_000).toISOString();
      transactionId = await station.startTransaction(1, 1000, start, 'WITTY-REMOTE');
      await station.status(1, 'Charging');
      await station.meterValues(1, transactionId, new Date().toISOString(), 1000 + 14_200, 7400);
      const { properties } = await get();
      expect(properties.availability).toBe('charging');
      expect(properties.currentSession).toMatchObject({
        startDate: start,
        duration: '01:00',
        totalSessionEnergy: 14.2,
        totalSessionCost: 2.755, // 14.2 kWh × 0.194 €
        chargingSpeed: 'optimal',
        chargingDuration: '00:00',
        rangeRecoveredByEV: 100, // 14.2 kWh at 14.2 kWh/100 km
      });
    });

    it('start again → 409 SESSION_ALREADY_ACTIVE', async () => {
      const response = await post('/operators/start');
      expect(response.statusCode).toBe(409);
      expect(response.json().code).toBe('SESSION_ALREADY_ACTIVE');
    });

    it('stop → RemoteStopTransaction; StopTransaction → lastSession', async () => {
      const received = station.nextCall('RemoteStopTransaction');
      const response = await post('/operators/stop');
      expect(response.statusCode).toBe(202);
      expect((await received).params).toEqual({ transactionId });
      await settled(t, token, response.headers.location as string);
      await station.status(1, 'Finishing');
      await station.stopTransaction(
        transactionId,
        1000 + 20_000,
        new Date().toISOString(),
        'Remote',
      );
      const { properties } = await get();
      expect(properties.currentSession).toBeNull();
      expect(properties.lastSession).toMatchObject({
        totalSessionEnergy: 20,
        totalSessionCost: 3.88,
        rangeRecoveredByEV: 140, // floor(20 / 14.2 × 100)
        sessionDuration: '01:00',
      });
    });

    it('an installer sees the station but not its sessions (consumption and cost)', async () => {
      const installer = await t.user('installer');
      await t.app.platform.store.db
        .insertInto('installation_users')
        .values({
          installation_id: installationId,
          account_id: installer.account.accountId,
          role_code: 'installer',
          enabled: 1,
          created_at: new Date().toISOString(),
        })
        .execute();
      const asOwner = (await get()).properties;
      expect(asOwner.lastSession).not.toBeNull();
      const asInstaller = (await t.api('GET', base, { token: installer.token })).json().properties;
      expect(asInstaller).toMatchObject({
        availability: asOwner.availability,
        currentSession: null,
        lastSession: null,
      });
    });

    it('stop without a session → 409 NO_ACTIVE_SESSION', async () => {
      const response = await post('/operators/stop');
      expect(response.statusCode).toBe(409);
      expect(response.json().code).toBe('NO_ACTIVE_SESSION');
    });
  });

  it('a fault reported with the Witty vendor code shows as error.code', async () => {
    await station.status(1, 'Faulted', {
      errorCode: 'OtherError',
      vendorId: 'fr.hager.witty',
      vendorErrorCode: '5',
    });
    expect((await get()).properties).toMatchObject({
      availability: 'inTrouble',
      error: { code: 5 },
    });
    await station.status(1, 'Available');
    expect((await get()).properties.error.code).toBe(0);
  });

  it('key switch and cybersecurity events are taken, unknown ones refused', async () => {
    expect(
      await station.dataTransfer('KeySwitch', { keySwitch: 'locked', evcsLocked: true }),
    ).toEqual({ status: 'Accepted' });
    expect((await get()).properties).toMatchObject({ keySwitch: 'locked', evcsLocked: true });
    expect(await station.dataTransfer('CyberSecurity', { event: 9 })).toEqual({
      status: 'Rejected',
    });
    expect(await station.dataTransfer('Nonsense', {})).toEqual({ status: 'UnknownMessageId' });
    expect(await station.dataTransfer('KeySwitch', {}, 'com.example')).toEqual({
      status: 'UnknownVendorId',
    });
  });

  it('a station silent for more than 2 × 600 s is Offline (400), and back on its next message', async () => {
    t.clock.advance(1201 * 1000);
    expect((await get()).properties).toMatchObject({
      error: { code: 400 },
      heartbeat: { heartbeat: false },
    });
    await station.heartbeat();
    expect((await get()).properties).toMatchObject({
      error: { code: 0 },
      heartbeat: { heartbeat: true },
    });
  });
});
