import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  outcomeFor,
  PERSONAS,
  ROUTE_CAPABILITIES,
  type Persona,
} from '../../src/installations/index.js';
import { aHome, anInstallation } from '../helpers/builders.js';
import {
  createTestApp,
  describeEachDialect,
  guideExample,
  RecordingMailer,
  type TestApp,
} from '../helpers/test-app.js';

// Every /v1 route of the OpenAPI document, called by each kind of caller, must answer what the
// access table (src/installations/access.ts) says. The routes come from the committed document,
// which test/http/openapi.test.ts keeps equal to the one the app generates; a route the table
// lacks fails here (and cannot even be registered).

type OpenApi = { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
const committed = JSON.parse(
  fs.readFileSync(path.resolve(import.meta.dirname, '../../docs/openapi.json'), 'utf8'),
) as OpenApi;
const ROUTES = Object.entries(committed.paths).flatMap(([route, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({
    key: `${method.toUpperCase()} ${route}`,
    method: method.toUpperCase() as 'GET' | 'POST' | 'PUT' | 'DELETE',
    route,
    success: Math.min(
      ...Object.keys(operation.responses)
        .map(Number)
        .filter((status) => status >= 200 && status < 300),
    ),
  })),
);

const PERSONA_ORDER: Persona[] = ['stranger', 'installerInactive', 'installerActive', 'owner'];

const station = '/installations/{installationId}/charging-stations/{chargingStationId}';
const meter = '/installations/{installationId}/grid-meters/{gridMeterId}';
const subscription = '/installations/{installationId}/event-subscriptions/{eventSubscriptionId}';

const DAY = { startDate: '2026-04-01T00:00:00Z', endDate: '2026-04-02T00:00:00Z' };
const STEP = { ...DAY, step: 'day' };
const telemetryBodies = (device: string) => ({
  ...Object.fromEntries(
    ['sum', 'count', 'average', 'min-max'].map((op) => [
      `POST ${device}/measures/{measureId}/operators/${op}`,
      STEP,
    ]),
  ),
  [`POST ${device}/logs/{logId}/operators/count`]: STEP,
  [`POST ${device}/logs/{logId}/operators/list`]: DAY,
  [`POST ${device}/logs/operators/list`]: DAY,
});

/** A valid body for each route that takes one (each caller sends the same). */
const BODIES: Record<string, () => unknown> = {
  'POST /installations': () => guideExample('02-installation-create-request.json'),
  'PUT /installations/{installationId}': () => guideExample('02-installation-create-request.json'),
  [`PUT ${station}`]: () => ({ friendlyName: 'garage' }),
  [`POST ${station}/operators/set-charge-mode`]: () =>
    guideExample('10-charging-station-set-charge-mode-request.json'),
  [`POST ${meter}/operators/authorize-tic`]: () => ({ authorizeTIC: true }),
  [`POST ${meter}/tariffs`]: () => guideExample('34-tariffs-set-request-hchp.json'),
  [`PUT ${meter}/subscription`]: () => ({
    gridSubscription: 'HCHP',
    offPeakHours: ['22:00-06:00'],
  }),
  'POST /installations/{installationId}/event-subscriptions': () => ({
    protocolCode: 'Webhook',
    protocolData: 'https://127.0.0.1/hook',
  }),
  'PUT /account/notification-settings': () => ({ stationErrorEmails: true }),
  'POST /installations/{installationId}/invitations': () => ({
    email: `invited-${randomUUID()}@example.com`,
    cultureCode: 'en-GB',
  }),
  ...Object.fromEntries(
    Object.entries({ ...telemetryBodies(station), ...telemetryBodies(meter) }).map(([k, v]) => [
      k,
      () => v,
    ]),
  ),
};

/** The query string of routes that need one. */
const QUERIES: Record<string, string> = {
  'GET /tariff-calendars/{calendar}': '?startDate=2026-01-01&endDate=2026-01-31',
};

/**
 * What an allowed call answers with this fixture when it is not the route's success: the
 * station is not connected, and the webhook endpoint is a private address. The call passed the
 * access check all the same.
 */
const DOMAIN_ANSWERS: Record<string, { status: number; code: string }> = {
  [`POST ${station}/operators/set-charge-mode`]: { status: 409, code: 'STATION_OFFLINE' },
  [`POST ${station}/operators/start`]: { status: 409, code: 'STATION_OFFLINE' },
  [`POST ${station}/operators/stop`]: { status: 409, code: 'STATION_OFFLINE' },
  'POST /installations/{installationId}/event-subscriptions': {
    status: 400,
    code: 'WEBHOOK_ENDPOINT_REFUSED',
  },
};

/** Routes whose owner call changes the fixture for good: each gets a home of its own. */
const OWN_HOME = new Set([
  'DELETE /installations/{installationId}',
  `DELETE ${station}`,
  'POST /installations/{installationId}/charging-stations',
  'DELETE /installations/{installationId}/event-subscriptions',
  `DELETE ${subscription}`,
  'DELETE /installations/{installationId}/invitations/{email}',
  'DELETE /installations/{installationId}/users/{accountId}',
]);

describeEachDialect('access matrix: every /v1 route × every kind of caller', (dialect) => {
  let t: TestApp;
  const mailer = new RecordingMailer();
  const tokens = {} as Record<Persona, string>;
  const accounts = {} as Record<Persona, string>;
  let serial = 0;

  beforeAll(async () => {
    // One anonymous call per route: more than the default anonymous limit of 60 a minute.
    t = await createTestApp(
      dialect,
      { WITTY_ANONYMOUS_RATE_LIMIT_MAX: '1000' },
      { sharingMailer: mailer },
    );
    for (const persona of Object.keys(PERSONAS) as Persona[]) {
      const user = await t.user(PERSONAS[persona].kind);
      tokens[persona] = user.token;
      accounts[persona] = user.account.accountId;
    }
  });
  afterAll(() => t.close());

  const member = async (installationId: number, accountId: string, enabled: 0 | 1) => {
    await t.app.platform.store.db
      .insertInto('installation_users')
      .values({
        installation_id: installationId,
        account_id: accountId,
        role_code: 'installer',
        enabled,
        created_at: new Date().toISOString(),
      })
      .execute();
  };

  /** An installation of the owner with every kind of thing a route may name. */
  async function aFullHome(options: { station: boolean }) {
    const db = t.app.platform.store.db;
    const owner = tokens.owner;
    const params: Record<string, string> = {
      measureId: '1',
      logId: '1',
      tariffId: 'hc',
      calendar: 'TEMPO',
    };
    let installationId: number;
    if (options.station) {
      const home = await aHome(t, owner, {
        serialNumber: `MATRIX${String(++serial).padStart(9, '0')}`,
      });
      installationId = home.installationId;
      params.chargingStationId = home.stationId;
      const gridMeterId = home.meterPath.split('/').pop()!;
      params.gridMeterId = gridMeterId;
      // Consent (a command, recorded while the station is offline) and a detected subscription.
      const consent = await t.api('POST', `${home.meterPath}/operators/authorize-tic`, {
        token: owner,
        body: { authorizeTIC: true },
      });
      expect(consent.statusCode).toBe(200);
      await db
        .updateTable('grid_meters')
        .set({ subscription: 'HCHP' })
        .where('id', '=', gridMeterId)
        .execute();
      const commands = await t.api('GET', `${home.stationPath}/commands`, { token: owner });
      params.commandId = commands.json<{ commandId: string }[]>()[0]!.commandId;
    } else {
      installationId = await anInstallation(t, owner);
    }
    params.installationId = String(installationId);
    await member(installationId, accounts.installerActive, 1);
    await member(installationId, accounts.installerInactive, 0);
    // A third installer, whom the owner disables, enables and removes.
    const target = await t.user('installer');
    await member(installationId, target.account.accountId, 1);
    params.accountId = target.account.accountId;
    // A pending invitation.
    const email = `pending-${randomUUID()}@example.com`;
    params.email = email;
    const invited = await t.api('POST', `/v1/installations/${installationId}/invitations`, {
      token: owner,
      body: { email, cultureCode: 'fr-FR' },
    });
    expect(invited.statusCode).toBe(201);
    // An active event subscription with one delivery in its log.
    const eventSubscriptionId = randomUUID();
    const deliveryId = randomUUID();
    params.eventSubscriptionId = eventSubscriptionId;
    params.deliveryId = deliveryId;
    const now = new Date().toISOString();
    if (params.chargingStationId) {
      const stationId = params.chargingStationId;
      await db
        .insertInto('event_subscriptions')
        .values({
          id: eventSubscriptionId,
          installation_id: installationId,
          account_id: accounts.owner,
          protocol_code: 'Webhook',
          endpoint_url: 'https://hooks.example.com/witty',
          event_type: null,
          subject_begins_with: '',
          subject_ends_with: '',
          state: 'Created',
          state_reason: null,
          validation_code: null,
          validation_expires_at: null,
          secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
          previous_secret: null,
          previous_secret_expires_at: null,
          created_at: now,
          modified_at: null,
          last_success_at: null,
        })
        .execute();
      const eventId = randomUUID();
      await db
        .insertInto('events')
        .values({
          id: eventId,
          installation_id: installationId,
          station_id: stationId,
          type: 'XEVFR.state_EVCS_chargeMode',
          subject: 'chargeMode',
          data: '{"chargeMode":"immediate"}',
          event_time: now,
          created_at: now,
        })
        .execute();
      await db
        .insertInto('webhook_deliveries')
        .values({
          id: deliveryId,
          event_id: eventId,
          subscription_id: eventSubscriptionId,
          state: 'delivered',
          next_attempt_at: null,
          lease_until: null,
          first_failure_at: null,
          created_at: now,
          completed_at: now,
        })
        .execute();
    }
    return params;
  }

  let shared: Record<string, string>;
  beforeAll(async () => {
    shared = await aFullHome({ station: true });
  });

  /** Path parameters for one call of a route. */
  async function paramsFor(key: string, base: Record<string, string>) {
    if (key === 'POST /invitations/operators/accept/{activationCode}') {
      // A fresh invitation to an installation of its own, so that every installer may accept.
      const installationId = await anInstallation(t, tokens.owner);
      const response = await t.api('POST', `/v1/installations/${installationId}/invitations`, {
        token: tokens.owner,
        body: { email: `accept-${randomUUID()}@example.com`, cultureCode: 'de-DE' },
      });
      expect(response.statusCode).toBe(201);
      return { ...base, activationCode: mailer.of('invitation').at(-1)!.activationCode };
    }
    return base;
  }

  /** Route parameters and a body for an association: an installation without a station. */
  async function associationFixture() {
    const params = await aFullHome({ station: false });
    const device = await t.app.platform.devices.provision({
      serialNumber: `MATRIXA${String(++serial).padStart(8, '0')}`,
    });
    return {
      params,
      body: { uid: device.uid, timezone: 'Romance Standard Time', country: 'fr-fr' },
    };
  }

  it('the document the app serves has the committed routes, and the table has every one of them', async () => {
    const served = (await t.app.inject('/v1/openapi.json')).json<OpenApi>();
    const keys = (document: OpenApi) =>
      Object.entries(document.paths)
        .flatMap(([route, methods]) =>
          Object.keys(methods).map((m) => `${m.toUpperCase()} ${route}`),
        )
        .sort();
    expect(keys(served)).toEqual(keys(committed));
    expect(Object.keys(ROUTE_CAPABILITIES).sort()).toEqual(keys(committed));
  });

  it('HEAD of a GET route needs what the GET needs', async () => {
    const url = `/v1/installations/${shared.installationId}`;
    const head = (persona: Persona) => t.api('HEAD', url, { token: tokens[persona] });
    expect((await head('installerActive')).statusCode).toBe(200);
    expect((await head('installerInactive')).statusCode).toBe(404);
    expect((await head('stranger')).statusCode).toBe(404);
    const users = `/v1/installations/${shared.installationId}/users`;
    expect((await t.api('HEAD', users, { token: tokens.installerActive })).statusCode).toBe(403);
  });

  it.each(ROUTES.map((r) => [r.key, r] as const))('%s', async (key, { method, route, success }) => {
    const capability = ROUTE_CAPABILITIES[key];
    expect(capability, `${key} is missing from ROUTE_CAPABILITIES`).toBeDefined();
    let base = shared;
    let body = BODIES[key]?.();
    if (key === 'POST /installations/{installationId}/charging-stations') {
      const fixture = await associationFixture();
      base = fixture.params;
      body = fixture.body;
    } else if (OWN_HOME.has(key)) {
      base = await aFullHome({ station: true });
    }
    const urlFor = (params: Record<string, string>) =>
      `/v1${route.replace(/\{([A-Za-z]+)\}/g, (_m, name: string) => {
        const value = params[name];
        if (value === undefined) throw new Error(`no fixture value for {${name}} in ${key}`);
        return encodeURIComponent(value);
      })}${QUERIES[key] ?? ''}`;

    const seen: Record<string, string> = {};
    const expected: Record<string, string> = {};
    const noToken = await t.api(method, urlFor(await paramsFor(key, base)), { body });
    seen.noToken = `${noToken.statusCode} ${noToken.json().code}`;
    expected.noToken = '401 ACCESS_TOKEN_MISSING';
    // The owner last: theirs is the call that may change the fixture.
    for (const persona of PERSONA_ORDER) {
      const response = await t.api(method, urlFor(await paramsFor(key, base)), {
        token: tokens[persona],
        body,
      });
      const outcome = outcomeFor(capability!, persona);
      const code = response.statusCode >= 400 ? response.json<{ code: string }>().code : '';
      seen[persona] = `${response.statusCode} ${code}`.trim();
      const domain = DOMAIN_ANSWERS[key];
      expected[persona] =
        outcome === 'hide'
          ? '404 INSTALLATION_NOT_FOUND'
          : outcome === 'deny'
            ? `403 ${capability === 'ownerAccount' ? 'ROLE_NOT_ALLOWED' : capability === 'installerAccount' ? 'INSTALLER_ACCOUNT_REQUIRED' : 'INSTALLATION_ACCESS_DENIED'}`
            : domain
              ? `${domain.status} ${domain.code}`
              : String(success);
    }
    expect(seen).toEqual(expected);
  });
});
