import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openStore } from '../../src/db/database.js';
import { aHome } from '../helpers/builders.js';
import { freePort } from '../helpers/http.js';
import { startServe, type ServeProcess } from '../helpers/serve.js';
import { createTestApp, freshDatabase } from '../helpers/test-app.js';
import { echoHandshake, WebhookReceiver } from '../helpers/webhook-receiver.js';

const postgresUrl = process.env.TEST_DATABASE_URL;
const EVENTS = 10_000;
/** Notifications received when the first worker is killed. */
const KILL_AFTER = 2_000;
/** POSTs in flight, unanswered, when it is killed. */
const HUNG_AT_KILL = 40;

/**
 * Two `witty serve --role worker` processes on one PostgreSQL database share a burst of events:
 * no attempt reaches the endpoint twice (an attempt is an event id and its aeg-delivery-count),
 * and when one worker is killed midway, with POSTs in flight, the other delivers everything, the
 * deliveries the dead one leased included once their lease has run out.
 */
describe.runIf(postgresUrl)('two delivery workers on PostgreSQL', () => {
  const workers: ServeProcess[] = [];
  const receiver = new WebhookReceiver();
  let drop: (() => Promise<void>) | undefined;

  afterAll(async () => {
    for (const worker of workers) {
      if (worker.child.exitCode === null && worker.child.signalCode === null) {
        worker.child.kill('SIGTERM');
        await worker.exited;
      }
    }
    await receiver.stop();
    await drop?.();
  });

  it(
    'deliver a burst of 10,000 events, one worker SIGKILLed midway, each attempt once and every event in the end',
    { timeout: 180_000 },
    async () => {
      const database = await freshDatabase('postgres');
      drop = database.drop;
      await receiver.start();
      const settings = {
        ...database.env,
        WITTY_WEBHOOK_ALLOW_PRIVATE: 'true',
        // The leases of the killed worker run out 2 × 1 s + 10 s after it took them.
        WITTY_WEBHOOK_TIMEOUT_SECONDS: '1',
        WITTY_WEBHOOK_RETRY_DELAYS_SECONDS: '1,1,1,1,1,1,1,1,1,1',
        WITTY_WEBHOOK_POLL_MS: '100',
      };

      // An owner's home, its subscription, and the burst waiting in the outbox.
      const setup = await createTestApp('postgres', settings, { database });
      try {
        const owner = await setup.user('owner');
        const home = await aHome(setup, owner.token, { serialNumber: 'WORKERS-1' });
        const created = await setup.api(
          'POST',
          `/v1/installations/${home.installationId}/event-subscriptions`,
          { token: owner.token, body: { protocolCode: 'Webhook', protocolData: receiver.url } },
        );
        expect(created.json()).toMatchObject({ state: 'Created' });
        // Raised as stations raise them: through the outbox, 500 to a transaction.
        const source = { id: home.stationId, installation_id: home.installationId };
        for (let start = 0; start < EVENTS; start += 500) {
          await setup.app.platform.uow.run(async (stores) => {
            for (let n = start; n < start + 500; n++) {
              await stores.outbox.raise(
                source,
                'XEVFR.state_EVCS_cybersecurity',
                { event: 1, name: 'event', message: `#${n}` },
                new Date().toISOString(),
              );
            }
          });
        }
      } finally {
        await setup.close();
      }

      // Every POST that arrives is an attempt, answered or not.
      const attempts = new Map<string, number>();
      const delivered = new Set<string>();
      let hang = false;
      receiver.answer = (request) => {
        if (request.headers['aeg-event-type'] !== 'Notification') return echoHandshake(request);
        const id = String(request.headers['webhook-id']);
        const attempt = `${id} #${String(request.headers['aeg-delivery-count'])}`;
        attempts.set(attempt, (attempts.get(attempt) ?? 0) + 1);
        if (hang) return 'hang';
        delivered.add(id);
        return { status: 200 };
      };

      for (const name of ['worker-a', 'worker-b']) {
        workers.push(
          await startServe({
            ...process.env,
            ...settings,
            PORT: String(await freePort()),
            WITTY_ROLE: 'worker',
            WITTY_NODE_ID: name,
            WITTY_LOG_LEVEL: 'warn',
          }),
        );
      }
      await receiver.waitFor(() => delivered.size >= KILL_AFTER, 60_000);
      // The endpoint stops answering: both workers' POSTs are in flight, unanswered, when the
      // first is killed. Its attempts arrived but are never recorded; the other's time out.
      const hungFrom = receiver.received.length;
      hang = true;
      await receiver.waitFor(() => receiver.received.length - hungFrom >= HUNG_AT_KILL, 20_000);
      workers[0]!.child.kill('SIGKILL');
      await workers[0]!.exited;
      hang = false;
      expect(delivered.size).toBeLessThan(EVENTS);

      await receiver.waitFor(() => delivered.size >= EVENTS, 120_000);
      const twice = [...attempts].filter(([, count]) => count > 1);
      expect(twice).toEqual([]);
      expect(delivered.size).toBe(EVENTS);

      const store = openStore(loadConfig(database.env).database);
      try {
        // Every delivery ends delivered (the survivor records what it posts).
        const notDelivered = async () =>
          Number(
            (
              await store.db
                .selectFrom('webhook_deliveries')
                .select((eb) => eb.fn.countAll<number>().as('n'))
                .where('state', '!=', 'delivered')
                .executeTakeFirstOrThrow()
            ).n,
          );
        for (let i = 0; i < 300 && (await notDelivered()) > 0; i++)
          await new Promise((resolve) => setTimeout(resolve, 100));
        expect(await notDelivered()).toBe(0);
      } finally {
        await store.close();
      }
    },
  );
});
