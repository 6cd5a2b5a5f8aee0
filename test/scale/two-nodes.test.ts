import { connect as connectNats } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subjectToken } from '../../src/bus/index.js';
import { aHome } from '../helpers/builders.js';
import { freePort } from '../helpers/http.js';
import { startServe, type ServeProcess } from '../helpers/serve.js';
import { TestStation } from '../helpers/station.js';
import { createTestApp, freshDatabase, type TestApp } from '../helpers/test-app.js';

const postgresUrl = process.env.TEST_DATABASE_URL;
const natsUrl = process.env.TEST_NATS_URL;

/**
 * Two `witty serve` processes on one PostgreSQL schema and one NATS server, as behind a load
 * balancer: commands sent through either node's API reach the station on whichever node holds
 * its connection, and keep working when a node is killed and the station reconnects elsewhere.
 */
describe.runIf(postgresUrl && natsUrl)('two nodes on PostgreSQL + NATS', () => {
  // Every node is reached at the same public URL, so one node's tokens are good on the others.
  const PUBLIC_URL = 'http://witty.test';
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let t: TestApp;
  let token: string;
  let home: Awaited<ReturnType<typeof aHome>>;
  const nodes: Record<string, { port: number; serve: ServeProcess }> = {};
  const stations: TestStation[] = [];

  const start = async (name: string, role: string, port?: number) => {
    const chosen = port ?? (await freePort());
    const serve = await startServe({
      ...process.env,
      ...database.env,
      PORT: String(chosen),
      PUBLIC_URL,
      WITTY_NATS_URL: natsUrl,
      WITTY_ROLE: role,
      WITTY_NODE_ID: name,
      WITTY_SANDBOX_STATIONS: 'false',
      WITTY_LOG_LEVEL: 'warn',
      WITTY_COMMAND_TIMEOUT_SECONDS: '5',
      // The most a node may trust a checked key: a revocation must come sooner, over the bus.
      WITTY_AUTH_CACHE_SECONDS: '5',
    });
    nodes[name] = { port: chosen, serve };
    return nodes[name];
  };
  const api = (node: string, method: string, path: string, body?: unknown) =>
    fetch(`http://127.0.0.1:${nodes[node]!.port}${path}`, {
      method,
      headers: {
        'ocp-apim-subscription-key': t.apiKey,
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  /** Sets the charge mode through `node`'s API; the command once the station's answer is in. */
  const setChargeMode = async (node: string, chargeMode: string) => {
    const sent = await api(node, 'POST', `${home.stationPath}/operators/set-charge-mode`, {
      chargeMode,
    });
    expect(sent.status, await sent.clone().text()).toBe(202);
    const location = sent.headers.get('location')!;
    for (let i = 0; i < 200; i++) {
      const command = (await (await api(node, 'GET', location)).json()) as { status: string };
      if (command.status !== 'pending') return command;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`command ${location} still pending`);
  };
  const connect = async (node: string) => {
    const station = await TestStation.online(`ws://127.0.0.1:${nodes[node]!.port}`, home.device);
    stations.push(station);
    return station;
  };

  beforeAll(async () => {
    database = await freshDatabase('postgres');
    // The test's own node (the API role, on the bus too) provisions and revokes.
    t = await createTestApp(
      'postgres',
      { PUBLIC_URL, WITTY_NATS_URL: natsUrl!, WITTY_ROLE: 'api', WITTY_NODE_ID: 'node-t' },
      { database },
    );
    ({ token } = await t.user('owner'));
    home = await aHome(t, token, { serialNumber: 'NODES-1' });
    await Promise.all([start('node-a', 'gateway'), start('node-b', 'all')]);
  }, 60_000);
  afterAll(async () => {
    for (const station of stations) await station.close().catch(() => undefined);
    for (const { serve } of Object.values(nodes)) {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
    await t.close();
    await database.drop();
  });

  it('each node says its role and that NATS is up; a gateway node serves no API', async () => {
    for (const [name, role] of [
      ['node-a', 'gateway'],
      ['node-b', 'all'],
    ] as const) {
      const ready = await fetch(`http://127.0.0.1:${nodes[name]!.port}/readyz`);
      expect(await ready.json()).toEqual({
        status: 'ready',
        node: name,
        role,
        database: 'postgres',
        dependencies: { database: 'up', nats: 'up' },
      });
    }
    const refused = await api('node-a', 'GET', '/v1/installations');
    expect(refused.status).toBe(404);
    expect(await refused.json()).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a command through B reaches the station on A; after A is killed, through B to the station on B; then through A, back, to B', async () => {
    const first = await connect('node-a');
    const change = first.nextCall('ChangeConfiguration');
    expect(await setChargeMode('node-b', 'deferred')).toMatchObject({ status: 'accepted' });
    expect((await change).params).toEqual({ key: 'WittyChargeMode', value: 'deferred' });

    // A dies without a word; the station's connection drops and it reconnects, to B this time.
    const portA = nodes['node-a']!.port;
    nodes['node-a']!.serve.child.kill('SIGKILL');
    await nodes['node-a']!.serve.exited;
    delete nodes['node-a'];
    const second = await connect('node-b');
    const again = second.nextCall('ChangeConfiguration');
    expect(await setChargeMode('node-b', 'deferredExclusive')).toMatchObject({
      status: 'accepted',
    });
    expect((await again).params).toEqual({ key: 'WittyChargeMode', value: 'deferredExclusive' });

    // A comes back as a full node: its API commands the station B holds.
    await start('node-a', 'all', portA);
    const third = second.nextCall('ChangeConfiguration');
    expect(await setChargeMode('node-a', 'immediate')).toMatchObject({ status: 'accepted' });
    expect((await third).params).toEqual({ key: 'WittyChargeMode', value: 'immediate' });
    expect(second.configuration.get('WittyChargeMode')).toBe('immediate');
  }, 60_000);

  it('a station that reconnects to another node is let go by the first, and commanded on the second', async () => {
    const onB = stations.at(-1)!;
    const closed = new Promise<number>((resolve) =>
      onB.client.once('close', ({ code }: { code: number }) => resolve(code)),
    );
    const onA = await connect('node-a');
    // B hears that A holds the station now and closes its own, stale, connection.
    expect(await closed).toBe(1000);
    const change = onA.nextCall('ChangeConfiguration');
    expect(await setChargeMode('node-b', 'deferred')).toMatchObject({ status: 'accepted' });
    expect((await change).params).toEqual({ key: 'WittyChargeMode', value: 'deferred' });
    const device = await t.app.platform.deviceStore.find(home.device.uid);
    expect(device?.connected).toBe(1);
  }, 30_000);

  it('a command to a station no node holds ends timedOut, and no node answers for it', async () => {
    for (const station of stations) await station.close();
    const connected = async () =>
      (await t.app.platform.deviceStore.find(home.device.uid))?.connected;
    for (let i = 0; i < 100 && (await connected()) !== 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await connected()).toBe(0);
    // As a node killed before it could record the disconnection leaves it: the command is
    // stored, then finds no node holding the station.
    await t.app.platform.store.db
      .updateTable('devices')
      .set({ connected: 1 })
      .where('uid', '=', home.device.uid)
      .execute();
    expect(await setChargeMode('node-b', 'immediate')).toMatchObject({ status: 'timedOut' });
  }, 30_000);

  it('a key revoked on one node is refused at once by the others, which had it cached', async () => {
    const other = await t.app.platform.identity.issueStarterPackKeys('nodes-dev@example.com');
    const list = (node: string) =>
      fetch(`http://127.0.0.1:${nodes[node]!.port}/v1/installations`, {
        headers: {
          'ocp-apim-subscription-key': other.primaryKey,
          authorization: `Bearer ${token}`,
        },
      });
    for (const node of ['node-a', 'node-b']) expect((await list(node)).status).toBe(200);
    await t.app.platform.identity.revokeKey(other.subscriptionId, 'primary');
    // Well within WITTY_AUTH_CACHE_SECONDS (5 s), the bound without the announcement.
    const refusedBy = Date.now() + 1000;
    for (const node of ['node-a', 'node-b']) {
      let status = (await list(node)).status;
      while (status === 200 && Date.now() < refusedBy) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        status = (await list(node)).status;
      }
      expect(status).toBe(401);
    }
  });

  it('unreadable messages on the bus are dropped, and every node goes on', async () => {
    const station = await connect('node-a');
    const uid = subjectToken(home.device.uid);
    const stranger = await connectNats({ servers: natsUrl });
    try {
      const garbage = new TextEncoder().encode('not json');
      stranger.publish(`witty.station.${uid}.held`, garbage);
      stranger.publish('witty.changed.identity', garbage);
      await expect(
        stranger.request(`witty.station.${uid}.call`, garbage, { timeout: 500 }),
      ).rejects.toThrow();
      await stranger.flush();
    } finally {
      await stranger.close();
    }
    for (const node of ['node-a', 'node-b']) {
      expect((await fetch(`http://127.0.0.1:${nodes[node]!.port}/readyz`)).status).toBe(200);
      expect((await api(node, 'GET', '/v1/installations')).status).toBe(200);
    }
    // A still holds the station, and commands reach it.
    const change = station.nextCall('ChangeConfiguration');
    expect(await setChargeMode('node-b', 'deferredExclusive')).toMatchObject({
      status: 'accepted',
    });
    expect((await change).params).toMatchObject({ value: 'deferredExclusive' });
  }, 30_000);
});
