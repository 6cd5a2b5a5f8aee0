import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChargingStation } from '../../src/stations/schemas.js';
import {
  createTestApp,
  describeEachDialect,
  guideExample,
  type TestApp,
} from '../helpers/test-app.js';

const guideStation = guideExample<{ properties: Record<string, unknown> }>(
  '08-charging-station.json',
);

/** A station associated with one of Alice's installations. */
interface StationFixture {
  uid: string;
  serialNumber: string;
  installationId: number;
  stationId: string;
  /** /v1/installations/{installationId}/charging-stations/{stationId} */
  base: string;
}

const where = { timezone: 'Romance Standard Time', country: 'fr-fr' } as const;

// The failures and edges of the charging-station routes; the happy path with a connected
// station is told in test/gateway/station-story.test.ts. Stations here never connect.
describeEachDialect('charging-station routes', (dialect) => {
  let t: TestApp;
  let alice: { token: string };
  let bob: { token: string };
  let serials = 0;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    alice = await t.user('owner');
    bob = await t.user('owner');
  });
  afterAll(() => t.close());

  /** A device of the factory's registry, not associated yet. */
  const aDevice = async () => {
    const serialNumber = `SN-ROUTES-${++serials}`;
    const { uid } = await t.app.platform.devices.provision({ serialNumber });
    return { uid, serialNumber };
  };

  const anInstallation = async (token = alice.token): Promise<number> => {
    const created = await t.api('POST', '/v1/installations', {
      token,
      body: guideExample('02-installation-create-request.json'),
    });
    return created.json().installationId;
  };

  const stationsOf = (installationId: number) =>
    `/v1/installations/${installationId}/charging-stations`;

  const associate = (installationId: number, body: unknown, token = alice.token) =>
    t.api('POST', stationsOf(installationId), { token, body });

  /** An installation of Alice's with a (never connected) station associated. */
  const aStation = async (): Promise<StationFixture> => {
    const installationId = await anInstallation();
    const device = await aDevice();
    const associated = await associate(installationId, { uid: device.uid, ...where });
    expect(associated.statusCode).toBe(201);
    const stationId: string = associated.json().id;
    return {
      ...device,
      installationId,
      stationId,
      base: `${stationsOf(installationId)}/${stationId}`,
    };
  };

  describe('POST …/charging-stations (association)', () => {
    it.each([
      ['the uid only', (uid: string) => ({ uid })],
      ['the qrCode only', (uid: string) => ({ qrCode: `https://hgr.io/u/${uid}` })],
      [
        'both, naming the same device',
        (uid: string) => ({ uid, qrCode: `https://hgr.io/u/${uid}` }),
      ],
      [
        'a qrCode with a trailing slash and a query',
        (uid: string) => ({ qrCode: `https://hgr.io/u/${uid}/?src=box` }),
      ],
    ])('201 with %s', async (_case, naming) => {
      const installationId = await anInstallation();
      const { uid } = await aDevice();
      const response = await associate(installationId, { ...naming(uid), ...where });
      expect(response.statusCode).toBe(201);
      const station = response.json();
      expect(station).toMatchObject({ uuid: uid, installationParentId: installationId });
      expect(response.headers.location).toBe(`${stationsOf(installationId)}/${station.id}`);
    });

    it('neither uid nor qrCode is refused by the route schema: 400 naming both fields', async () => {
      const installationId = await anInstallation();
      const response = await associate(installationId, where);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: [{ field: 'body', in: 'body', message: 'must have uid or qrCode (at least one)' }],
      });
      expect(
        (await t.api('GET', stationsOf(installationId), { token: alice.token })).json(),
      ).toEqual([]);
    });

    it.each([
      ['neither uid nor qrCode', () => ({}), 'body'],
      [
        'uid and qrCode naming different devices',
        (uid: string) => ({ uid, qrCode: 'https://hgr.io/u/SomeOtherDevice' }),
        'qrCode',
      ],
      ['a qrCode that is not a URL', (uid: string) => ({ qrCode: uid }), 'qrCode'],
      ['a qrCode URL without a path', () => ({ qrCode: 'https://hgr.io/' }), 'qrCode'],
    ])('400 VALIDATION_FAILED with %s', async (_case, naming, field) => {
      const installationId = await anInstallation();
      const { uid } = await aDevice();
      const response = await associate(installationId, { ...naming(uid), ...where });
      expect(response.statusCode).toBe(400);
      expect(response.json().code).toBe('VALIDATION_FAILED');
      expect(response.json().errors).toContainEqual(expect.objectContaining({ field }));
      expect(
        (await t.api('GET', stationsOf(installationId), { token: alice.token })).json(),
      ).toEqual([]);
    });

    it('400 VALIDATION_FAILED with a qrCode whose last segment is a malformed escape', async () => {
      const installationId = await anInstallation();
      const response = await associate(installationId, {
        qrCode: 'https://hgr.io/u/%E0%A4%A',
        ...where,
      });
      expect(response.statusCode).toBe(400);
    });

    it.each([
      ['a timezone outside the guide’s list', { timezone: 'Pacific Standard Time' }, 'timezone'],
      ['a country outside the guide’s list', { country: 'es-es' }, 'country'],
      ['a country in upper case', { country: 'fr-FR' }, 'country'],
      ['no timezone', { timezone: undefined }, 'timezone'],
      ['no country', { country: undefined }, 'country'],
      ['an extra property', { color: 'blue' }, 'color'],
      ['a uid that is not a string', { uid: 42 }, 'uid'],
    ])('400 naming the field for %s', async (_case, change, field) => {
      const installationId = await anInstallation();
      const { uid } = await aDevice();
      const response = await associate(installationId, { uid, ...where, ...change });
      expect(response.statusCode).toBe(400);
      const problem = response.json();
      expect(problem.code).toBe('VALIDATION_FAILED');
      expect(problem.errors).toContainEqual(expect.objectContaining({ field, in: 'body' }));
    });

    it('404 DEVICE_NOT_FOUND for a uid the registry does not know', async () => {
      const installationId = await anInstallation();
      const response = await associate(installationId, { uid: 'NoSuchDevice0000000000', ...where });
      expect(response.statusCode).toBe(404);
      expect(response.json().code).toBe('DEVICE_NOT_FOUND');
    });

    it('409 DEVICE_ALREADY_ASSOCIATED when the device is on another installation', async () => {
      const { uid } = await aStation();
      const other = await anInstallation(bob.token);
      const response = await associate(other, { uid, ...where }, bob.token);
      expect(response.statusCode).toBe(409);
      expect(response.json().code).toBe('DEVICE_ALREADY_ASSOCIATED');
    });

    it('409 INSTALLATION_HAS_STATION for a second device on the same installation', async () => {
      const { installationId } = await aStation();
      const second = await aDevice();
      const response = await associate(installationId, { uid: second.uid, ...where });
      expect(response.statusCode).toBe(409);
      expect(response.json().code).toBe('INSTALLATION_HAS_STATION');
      expect(
        (await t.api('GET', stationsOf(installationId), { token: alice.token })).json(),
      ).toHaveLength(1);
    });

    it("404 INSTALLATION_NOT_FOUND on another user's installation", async () => {
      const bobs = await anInstallation(bob.token);
      const { uid } = await aDevice();
      const response = await associate(bobs, { uid, ...where });
      expect(response.statusCode).toBe(404);
      expect(response.json().code).toBe('INSTALLATION_NOT_FOUND');
    });

    it('the installation externalId is XEVFR-{serialNumber}, and null again after DELETE', async () => {
      const { installationId, serialNumber, base } = await aStation();
      const installation = `/v1/installations/${installationId}`;
      expect((await t.api('GET', installation, { token: alice.token })).json().externalId).toBe(
        `XEVFR-${serialNumber}`,
      );
      expect((await t.api('DELETE', base, { token: alice.token })).statusCode).toBe(204);
      expect((await t.api('GET', installation, { token: alice.token })).json().externalId).toBe(
        null,
      );
    });
  });

  describe('the created station', () => {
    let station: ChargingStation;
    let installationId: number;
    let device: { uid: string; serialNumber: string };

    beforeAll(async () => {
      installationId = await anInstallation();
      device = await aDevice();
      station = (await associate(installationId, { uid: device.uid, ...where })).json();
    });

    it("has every key of the guide's example, top level and in properties", () => {
      expect(Object.keys(station)).toEqual(expect.arrayContaining(Object.keys(guideStation)));
      expect(Object.keys(station.properties)).toEqual(
        expect.arrayContaining(Object.keys(guideStation.properties)),
      );
    });

    it('names the device, the installation and the association', () => {
      expect(station).toMatchObject({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        serialNumber: device.serialNumber,
        uuid: device.uid,
        installationParentId: installationId,
        type: 'chargingStation',
        properties: {
          installationDate: expect.any(String),
          productReference: 'XEVFR',
          timezone: where.timezone,
          culture: where.country,
          friendlyName: null,
          authorizeTic: 'noConsent',
          chargeMode: 'immediate',
          availability: 'available',
          carPlugStatus: null,
        },
      });
    });

    it('has no session yet: currentSession and lastSession are null', () => {
      expect(station.properties.currentSession).toBeNull();
      expect(station.properties.lastSession).toBeNull();
    });

    it('never connected: error 400 (Offline), heartbeat false with no reception date', () => {
      expect(station.properties.error).toEqual({ code: 400 });
      expect(station.properties.heartbeat).toEqual({ heartbeat: false, receptionDate: null });
    });

    it('uses the default average EV consumption, 17 kWh/100 km', () => {
      expect(station.properties).toMatchObject({
        averageEvConsumption: '17',
        isDefaultAverageEvConsumption: true,
      });
    });

    it('reads the same through GET, alone and in the list', async () => {
      const base = stationsOf(installationId);
      const one = await t.api('GET', `${base}/${station.id}`, { token: alice.token });
      expect(one.statusCode).toBe(200);
      expect(one.json()).toEqual(station);
      expect((await t.api('GET', base, { token: alice.token })).json()).toEqual([station]);
    });
  });

  describe('a station that is not there', () => {
    let installationId: number;
    let otherInstallationId: number;
    let stationId: string;

    beforeAll(async () => {
      ({ installationId, stationId } = await aStation());
      otherInstallationId = await anInstallation();
    });

    it.each([
      ['GET', undefined],
      ['DELETE', undefined],
      ['PUT', { friendlyName: 'x' }],
    ] as const)(
      '%s with an unknown chargingStationId → 404 STATION_NOT_FOUND',
      async (method, body) => {
        const response = await t.api(method, `${stationsOf(installationId)}/${randomUUID()}`, {
          token: alice.token,
          body,
        });
        expect(response.statusCode).toBe(404);
        expect(response.json().code).toBe('STATION_NOT_FOUND');
      },
    );

    it.each([
      ['GET', undefined],
      ['DELETE', undefined],
      ['PUT', { friendlyName: 'x' }],
    ] as const)('%s with a chargingStationId that is not a UUID → 400', async (method, body) => {
      const response = await t.api(method, `${stationsOf(installationId)}/not-a-uuid`, {
        token: alice.token,
        body,
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().errors[0]).toMatchObject({
        field: 'chargingStationId',
        in: 'params',
      });
    });

    it.each([
      ['GET', '', undefined],
      ['DELETE', '', undefined],
      ['PUT', '', { friendlyName: 'x' }],
      ['POST', '/operators/set-charge-mode', { chargeMode: 'deferred' }],
      ['GET', '/commands', undefined],
    ] as const)(
      '%s %s of installation A asked through installation B (both mine) → 404',
      async (method, path, body) => {
        const response = await t.api(
          method,
          `${stationsOf(otherInstallationId)}/${stationId}${path}`,
          { token: alice.token, body },
        );
        expect(response.statusCode).toBe(404);
        expect(response.json().code).toBe('STATION_NOT_FOUND');
        const own = await t.api('GET', `${stationsOf(installationId)}/${stationId}`, {
          token: alice.token,
        });
        expect(own.statusCode).toBe(200);
      },
    );

    it("GET of a station through another user's installation → 404 INSTALLATION_NOT_FOUND", async () => {
      const response = await t.api('GET', `${stationsOf(installationId)}/${stationId}`, {
        token: bob.token,
      });
      expect(response.statusCode).toBe(404);
      expect(response.json().code).toBe('INSTALLATION_NOT_FOUND');
    });
  });

  describe('DELETE …/charging-stations/{id} (dissociation)', () => {
    it('204, then GET is 404 and the device can join another installation', async () => {
      const { uid, base, installationId } = await aStation();
      const response = await t.api('DELETE', base, { token: alice.token });
      expect(response.statusCode).toBe(204);
      expect(response.body).toBe('');
      const after = await t.api('GET', base, { token: alice.token });
      expect(after.statusCode).toBe(404);
      expect(after.json().code).toBe('STATION_NOT_FOUND');
      expect(
        (await t.api('GET', stationsOf(installationId), { token: alice.token })).json(),
      ).toEqual([]);

      const elsewhere = await anInstallation(bob.token);
      const again = await associate(elsewhere, { uid, ...where }, bob.token);
      expect(again.statusCode).toBe(201);
      expect(again.json()).toMatchObject({ uuid: uid, installationParentId: elsewhere });
    });

    it('the emptied installation takes a new station', async () => {
      const { base, installationId } = await aStation();
      await t.api('DELETE', base, { token: alice.token });
      const { uid } = await aDevice();
      expect((await associate(installationId, { uid, ...where })).statusCode).toBe(201);
    });
  });

  describe('validation of PUT and set-charge-mode', () => {
    let base: string;
    beforeAll(async () => {
      ({ base } = await aStation());
    });

    it.each([
      ['ledPower 29', { ledPower: 29 }, 'ledPower', 'must be >= 30'],
      ['ledPower 101', { ledPower: 101 }, 'ledPower', 'must be <= 100'],
      // A whole percentage (docs/decisions.md, "PUT of a charging station").
      ['ledPower 55.5', { ledPower: 55.5 }, 'ledPower', 'must be integer'],
      ['ledPower "50"', { ledPower: '50' }, 'ledPower', 'must be integer'],
      ['tariff1 medium', { tariff1: 'medium' }, 'tariff1', 'must be one of "hc", "hp"'],
      [
        'averageEvConsumption 0',
        { averageEvConsumption: 0 },
        'averageEvConsumption',
        'must be > 0',
      ],
      [
        'averageEvConsumption -1',
        { averageEvConsumption: -1 },
        'averageEvConsumption',
        'must be > 0',
      ],
      // Nothing to update is refused rather than tracked as a command that does nothing.
      ['an empty body', {}, 'body', 'must not be empty: give at least one property'],
      ['an unknown property', { color: 'blue' }, 'color', 'is not an accepted property'],
      ['tariff11', { tariff11: 'hc' }, 'tariff11', 'is not an accepted property'],
    ])('PUT with %s → 400 naming %s', async (_case, body, field, message) => {
      const response = await t.api('PUT', base, { token: alice.token, body });
      expect(response.statusCode).toBe(400);
      expect(response.json().code).toBe('VALIDATION_FAILED');
      expect(response.json().errors).toContainEqual({ field, in: 'body', message });
    });

    it('set-charge-mode turbo → 400 naming chargeMode', async () => {
      const response = await t.api('POST', `${base}/operators/set-charge-mode`, {
        token: alice.token,
        body: { chargeMode: 'turbo' },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().errors).toContainEqual(
        expect.objectContaining({ field: 'chargeMode', in: 'body' }),
      );
    });

    it('set-charge-mode without a body → 400', async () => {
      const response = await t.api('POST', `${base}/operators/set-charge-mode`, {
        token: alice.token,
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().code).toBe('VALIDATION_FAILED');
      expect(response.json().errors).toEqual([
        { field: 'body', in: 'body', message: 'must be object' },
      ]);
    });

    it('nothing was stored by the refused requests', async () => {
      const { properties } = (await t.api('GET', base, { token: alice.token })).json();
      expect(properties).toMatchObject({
        friendlyName: null,
        averageEvConsumption: '17',
        isDefaultAverageEvConsumption: true,
      });
      expect((await t.api('GET', `${base}/commands`, { token: alice.token })).json()).toEqual([]);
    });
  });

  describe('commands of a station that never connected', () => {
    let base: string;
    let stationId: string;
    beforeAll(async () => {
      ({ base, stationId } = await aStation());
    });

    it.each([
      ['set-charge-mode', { chargeMode: 'deferred' }],
      ['start', undefined],
      ['stop', undefined],
    ])('%s → 409 STATION_OFFLINE', async (operator, body) => {
      const response = await t.api('POST', `${base}/operators/${operator}`, {
        token: alice.token,
        body,
      });
      expect(response.statusCode).toBe(409);
      expect(response.json().code).toBe('STATION_OFFLINE');
    });

    it.each([
      ['ledPower', { ledPower: 50 }],
      ['ledPower 30, the least', { ledPower: 30 }],
      ['ledPower 100, the most', { ledPower: 100 }],
      ['a tariff', { tariff2: 'hc' }],
    ])('PUT of %s (sent to the station) → 409 STATION_OFFLINE', async (_case, body) => {
      const response = await t.api('PUT', base, { token: alice.token, body });
      expect(response.statusCode).toBe(409);
      expect(response.json().code).toBe('STATION_OFFLINE');
    });

    it('PUT of friendlyName with ledPower → 409, and the friendlyName is not applied either', async () => {
      const response = await t.api('PUT', base, {
        token: alice.token,
        body: { friendlyName: 'half applied?', ledPower: 50 },
      });
      expect(response.statusCode).toBe(409);
      expect(
        (await t.api('GET', base, { token: alice.token })).json().properties.friendlyName,
      ).toBe(null);
    });

    it('PUT of friendlyName only (a cloud field) → 202, accepted at once with no calls', async () => {
      const response = await t.api('PUT', base, {
        token: alice.token,
        body: { friendlyName: 'Garage' },
      });
      expect(response.statusCode).toBe(202);
      const command = response.json();
      expect(command).toMatchObject({
        chargingStationId: stationId,
        type: 'update',
        status: 'accepted',
        request: { friendlyName: 'Garage' },
        completedDate: expect.any(String),
        calls: [],
      });
      expect(response.headers.location).toBe(`${base}/commands/${command.commandId}`);
      expect(
        (await t.api('GET', base, { token: alice.token })).json().properties.friendlyName,
      ).toBe('Garage');
      const followed = await t.api('GET', response.headers.location as string, {
        token: alice.token,
      });
      expect(followed.statusCode).toBe(200);
      expect(followed.json()).toEqual(command);
    });

    it('GET …/commands/{unknown id} → 404 COMMAND_NOT_FOUND', async () => {
      const response = await t.api('GET', `${base}/commands/${randomUUID()}`, {
        token: alice.token,
      });
      expect(response.statusCode).toBe(404);
      expect(response.json().code).toBe('COMMAND_NOT_FOUND');
    });

    it('GET …/commands/{not a uuid} → 400 naming commandId', async () => {
      const response = await t.api('GET', `${base}/commands/42`, { token: alice.token });
      expect(response.statusCode).toBe(400);
      expect(response.json().errors[0]).toMatchObject({ field: 'commandId', in: 'params' });
    });

    it('GET …/commands lists the commands newest first', async () => {
      const names = ['first', 'second', 'third'];
      for (const friendlyName of names) {
        t.clock.advance(1000);
        const response = await t.api('PUT', base, { token: alice.token, body: { friendlyName } });
        expect(response.statusCode).toBe(202);
      }
      const response = await t.api('GET', `${base}/commands`, { token: alice.token });
      expect(response.statusCode).toBe(200);
      const listed = response
        .json()
        .map((c: { request: { friendlyName?: string } }) => c.request.friendlyName);
      expect(listed).toEqual(['third', 'second', 'first', 'Garage']);
    });
  });

  describe('an installer on the shared installation', () => {
    let installer: { token: string; account: { accountId: string } };
    let station: StationFixture;

    beforeAll(async () => {
      installer = await t.user('installer');
      station = await aStation();
      // Invitations come with the sharing feature; the membership is written directly.
      await t.app.platform.store.db
        .insertInto('installation_users')
        .values({
          installation_id: station.installationId,
          account_id: installer.account.accountId,
          role_code: 'installer',
          enabled: 1,
          created_at: new Date().toISOString(),
        })
        .execute();
    });

    it('reads the station and the list (200)', async () => {
      const one = await t.api('GET', station.base, { token: installer.token });
      expect(one.statusCode).toBe(200);
      expect(one.json().id).toBe(station.stationId);
      const list = await t.api('GET', stationsOf(station.installationId), {
        token: installer.token,
      });
      expect(list.statusCode).toBe(200);
      expect(list.json()).toHaveLength(1);
    });

    it.each([
      ['POST', '', { uid: 'AnyUid', ...where }],
      ['DELETE', '/{id}', undefined],
      ['PUT', '/{id}', { friendlyName: 'mine now' }],
      ['POST', '/{id}/operators/set-charge-mode', { chargeMode: 'deferred' }],
      ['POST', '/{id}/operators/start', undefined],
      ['POST', '/{id}/operators/stop', undefined],
      ['GET', '/{id}/commands', undefined],
      ['GET', `/{id}/commands/${randomUUID()}`, undefined],
    ] as const)(
      '%s …/charging-stations%s → 403 INSTALLATION_ACCESS_DENIED',
      async (method, path, body) => {
        const url = stationsOf(station.installationId) + path.replace('{id}', station.stationId);
        const response = await t.api(method, url, { token: installer.token, body });
        expect(response.statusCode).toBe(403);
        expect(response.json().code).toBe('INSTALLATION_ACCESS_DENIED');
      },
    );

    it('and nothing changed for the owner', async () => {
      const read = await t.api('GET', station.base, { token: alice.token });
      expect(read.statusCode).toBe(200);
      expect(read.json().properties.friendlyName).toBeNull();
      expect(
        (await t.api('GET', `${station.base}/commands`, { token: alice.token })).json(),
      ).toEqual([]);
    });
  });
});
