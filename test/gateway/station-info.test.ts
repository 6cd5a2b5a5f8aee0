import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, describeEachDialect, type TestApp } from '../helpers/test-app.js';
import { TestStation } from '../helpers/station.js';

// StationInfo members the guide gives as enums are kept only when they are one of its values,
// so that the API's properties never show a spelling outside the documented enum.
describeEachDialect('StationInfo values outside the guide’s enums', (dialect) => {
  let t: TestApp;
  let token: string;
  let station: TestStation;
  let base: string;

  const properties = async () => (await t.api('GET', base, { token })).json().properties;

  beforeAll(async () => {
    t = await createTestApp(dialect, {}, { listen: true });
    ({ token } = await t.user('owner'));
    const installationId = (
      await t.api('POST', '/v1/installations', {
        token,
        body: {
          name: 'Maison',
          locationName: 'Bordeaux',
          locationGpsCoordinates: { latitude: 44.8, longitude: -0.6 },
        },
      })
    ).json().installationId;
    const device = await t.app.platform.devices.provision({ serialNumber: 'SN-STATION-INFO' });
    const associated = await t.api(
      'POST',
      `/v1/installations/${installationId}/charging-stations`,
      {
        token,
        body: { uid: device.uid, timezone: 'Romance Standard Time', country: 'fr-fr' },
      },
    );
    base = `/v1/installations/${installationId}/charging-stations/${associated.json().id}`;
    station = new TestStation({ url: t.wsUrl, uid: device.uid, password: device.password });
    await station.connect();
    await station.boot();
  });
  afterAll(async () => {
    await station.close();
    await t.close();
  });

  it('the guide’s values are shown as sent', async () => {
    const answer = await station.dataTransfer('StationInfo', {
      ticConnected: 'notConnected',
      connectivityType: 'wifi',
    });
    expect(answer).toEqual({ status: 'Accepted' });
    expect(await properties()).toMatchObject({
      ticConnected: 'notConnected',
      connectivityType: 'wifi',
    });
  });

  it.each([
    ['ticConnected', 'Connected'],
    ['ticConnected', 'maybe'],
    ['connectivityType', 'Ethernet'],
    ['connectivityType', '4g'],
  ])('%s %s is ignored, the previous value kept', async (member, value) => {
    const answer = await station.dataTransfer('StationInfo', {
      [member]: value,
      wifiSsid: `ssid-${value}`,
    });
    expect(answer).toEqual({ status: 'Accepted' });
    expect(await properties()).toMatchObject({
      ticConnected: 'notConnected',
      connectivityType: 'wifi',
      wifiSsid: `ssid-${value}`,
    });
  });
});
