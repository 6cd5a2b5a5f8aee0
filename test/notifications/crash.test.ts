import { afterEach, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openStore } from '../../src/db/database.js';
import { aHome } from '../helpers/builders.js';
import { freePort } from '../helpers/http.js';
import { startServe, type ServeProcess } from '../helpers/serve.js';
import { TestStation } from '../helpers/station.js';
import { createTestApp, describeEachDialect, freshDatabase } from '../helpers/test-app.js';
import {
  echoHandshake,
  WebhookReceiver,
  type Answer,
  type ReceivedWebhook,
} from '../helpers/webhook-receiver.js';

// Black-box: the real `witty serve` process is killed with SIGKILL while stations keep raising
// events and the receiver leaves deliveries pending; after a restart on the same database every
// stored event reaches the receiver. At least once is counted at the receiver, by event id.

const STATIONS = 8;
/** Events each station raises after the restart, so that production spans the crash. */
const EVENTS_AFTER_RESTART = 20;
/** POSTs the receiver leaves unanswered before the kill: deliveries leased by the killed process. */
const HUNG_AT_KILL = 6;

function environment(settings: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, WITTY_LOG_LEVEL: 'warn' };
  for (const name of ['DATABASE_URL', 'PUBLIC_URL', 'PORT', 'HOST']) delete env[name];
  return { ...env, ...settings };
}

/** A station raising CyberSecurity events, each numbered in its message. */
interface Producer {
  uid: string;
  password: string;
  station?: TestStation;
  next: number;
  /** Messages whose DataTransfer.conf came back: the platform has committed them. */
  acknowledged: string[];
}

/** Sends DataTransfers one after the other until `until()` or until the connection fails. */
async function produce(producer: Producer, until: () => boolean): Promise<void> {
  const { station } = producer;
  if (!station) throw new Error('not connected');
  while (!until()) {
    const message = `${producer.uid}#${producer.next++}`;
    try {
      const answer = (await station.dataTransfer('CyberSecurity', { event: 1, message })) as {
        status: string;
      };
      if (answer.status !== 'Accepted') throw new Error(`DataTransfer ${answer.status}`);
    } catch (error) {
      // The server went away: what was not acknowledged may or may not have been committed.
      if (station.client.state !== 1) return;
      throw error;
    }
    producer.acknowledged.push(message);
  }
}

async function connect(producer: Producer, url: string, boot: boolean): Promise<void> {
  producer.station = new TestStation({ url, uid: producer.uid, password: producer.password });
  await producer.station.connect();
  if (boot) await producer.station.boot();
}

describeEachDialect('webhook deliveries survive a crash of the server', (dialect) => {
  let serve: ServeProcess | undefined;
  let receiver: WebhookReceiver | undefined;
  const producers: Producer[] = [];
  let drop: (() => Promise<void>) | undefined;

  afterEach(async () => {
    await Promise.allSettled(
      producers.flatMap((producer) => (producer.station ? [producer.station.close()] : [])),
    );
    if (serve && serve.child.exitCode === null && serve.child.signalCode === null) {
      serve.child.kill('SIGKILL');
      await serve.exited;
    }
    await receiver?.stop();
    await drop?.();
  });

  it(
    'after SIGKILL with deliveries pending and in flight, a restart delivers every stored event at least once, with the same ids',
    { timeout: 120_000 },
    async () => {
      const database = await freshDatabase(dialect);
      drop = database.drop;
      const port = await freePort();
      receiver = new WebhookReceiver();
      await receiver.start();
      const settings = {
        ...database.env,
        PORT: String(port),
        WITTY_WEBHOOK_ALLOW_PRIVATE: 'true',
        // A lease taken by the killed process runs out 2 × 1 s + 10 s later (PostgreSQL).
        WITTY_WEBHOOK_TIMEOUT_SECONDS: '1',
        WITTY_WEBHOOK_RETRY_DELAYS_SECONDS: '1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1',
        WITTY_WEBHOOK_POLL_MS: '200',
      };

      // A home per station, each with a subscription, made before the server starts.
      const setup = await createTestApp(dialect, settings, { database });
      /** The number of each subscription's endpoint path, by the id its POSTs name (upper case). */
      const endpoints = new Map<string, number>();
      try {
        const owner = await setup.user('owner');
        for (let n = 1; n <= STATIONS; n++) {
          const home = await aHome(setup, owner.token, {
            serialNumber: `CRASHTEST${String(n).padStart(6, '0')}`,
          });
          const created = await setup.api(
            'POST',
            `/v1/installations/${home.installationId}/event-subscriptions`,
            {
              token: owner.token,
              body: { protocolCode: 'Webhook', protocolData: `${receiver.url}/hook/${n}` },
            },
          );
          expect(created.json()).toMatchObject({ state: 'Created' });
          endpoints.set(String(created.json().eventSubscriptionId).toUpperCase(), n);
          producers.push({
            uid: home.device.uid,
            password: home.device.password,
            next: 0,
            acknowledged: [],
          });
        }
      } finally {
        await setup.close();
      }

      // Each delivery's first POST fails (503): every event is pending for a while, then retried.
      // A delivery counts once the receiver has answered it 2xx, keyed `eventId SUBSCRIPTIONID`.
      const deliveryOf = (request: ReceivedWebhook) =>
        `${String(request.headers['webhook-id'])} ${String(request.headers['aeg-subscription-name'])}`;
      const failedOnce = new Set<string>();
      const accepted = new Set<string>();
      const firstAttemptFails = (request: ReceivedWebhook): Answer => {
        if (request.headers['aeg-event-type'] !== 'Notification') return echoHandshake(request);
        const delivery = deliveryOf(request);
        if (!failedOnce.has(delivery)) {
          failedOnce.add(delivery);
          return { status: 503 };
        }
        accepted.add(delivery);
        return { status: 200 };
      };
      receiver.answer = firstAttemptFails;
      const notifications = () =>
        receiver!.received.filter((r) => r.headers['aeg-event-type'] === 'Notification');

      serve = await startServe(environment(settings));
      const wsUrl = `ws://127.0.0.1:${port}`;
      for (const producer of producers) await connect(producer, wsUrl, true);
      let killed = false;
      const before = producers.map((producer) => produce(producer, () => killed));
      // Deliveries are flowing, failing and being retried.
      await receiver.waitFor(() => accepted.size >= 20, 20_000);
      // Now the receiver answers nothing: POSTs are in flight, their deliveries leased.
      receiver.answer = (request) =>
        request.headers['aeg-event-type'] === 'Notification' ? 'hang' : echoHandshake(request);
      const hungFrom = receiver.received.length;
      await receiver.waitFor(() => receiver!.received.length - hungFrom >= HUNG_AT_KILL, 20_000);
      const hung = new Set(receiver.received.slice(hungFrom).map(deliveryOf));
      serve.child.kill('SIGKILL');
      await serve.exited;
      killed = true;
      await Promise.all(before);
      const receivedBeforeRestart = receiver.received.length;
      expect(producers.every((producer) => producer.acknowledged.length > 0)).toBe(true);

      // The same database and port, the receiver well again; the stations reconnect and go on.
      receiver.answer = firstAttemptFails;
      serve = await startServe(environment(settings));
      for (const producer of producers) await connect(producer, wsUrl, false);
      await Promise.all(
        producers.map((producer) => {
          const target = producer.acknowledged.length + EVENTS_AFTER_RESTART;
          return produce(producer, () => producer.acknowledged.length >= target);
        }),
      );

      const store = openStore(loadConfig(database.env).database);
      try {
        const events = await store.db.selectFrom('events').select(['id', 'type', 'data']).execute();
        const deliveries = await store.db
          .selectFrom('webhook_deliveries')
          .select(['event_id', 'subscription_id'])
          .execute();
        const expected = new Set(
          deliveries.map((row) => `${row.event_id} ${row.subscription_id.toUpperCase()}`),
        );
        expect(new Set(deliveries.map((row) => row.event_id))).toEqual(
          new Set(events.map((row) => row.id)),
        );
        const missing = () => [...expected].filter((delivery) => !accepted.has(delivery));
        try {
          await receiver.waitFor(() => missing().length === 0, 40_000);
        } catch {
          expect(missing(), serve.output().stdout + serve.output().stderr).toEqual([]);
        }

        // Every acknowledged DataTransfer has its event (committed with the change, not after).
        const messages = new Set(
          events
            .filter((row) => row.type === 'XEVFR.state_EVCS_cybersecurity')
            .map((row) => (JSON.parse(row.data) as { message: string }).message),
        );
        for (const producer of producers)
          expect(producer.acknowledged.filter((message) => !messages.has(message))).toEqual([]);
        // No change without its event, no event without its change.
        const logged = await store.db
          .selectFrom('log_records')
          .select('value')
          .where('log_name', '=', 'CyberSecurity')
          .execute();
        expect(
          logged.map((row) => (JSON.parse(row.value) as { message: string }).message).sort(),
        ).toEqual([...messages].sort());

        // The receiver saw no event that is not stored, and each POST, first or repeated, carries
        // its event's id as webhook-id.
        const storedIds = new Set(
          (await store.db.selectFrom('events').select('id').execute()).map((row) => row.id),
        );
        for (const request of notifications()) {
          const [event] = request.json as { id: string }[];
          expect(storedIds.has(event!.id)).toBe(true);
          expect(request.headers['webhook-id']).toBe(event!.id);
          const endpoint = endpoints.get(String(request.headers['aeg-subscription-name']));
          expect(request.path).toBe(`/hook/${endpoint}`);
        }
      } finally {
        await store.close();
      }

      // The POSTs left unanswered by the kill were made again by the restarted server.
      const afterRestart = new Set(receiver.received.slice(receivedBeforeRestart).map(deliveryOf));
      expect([...hung].filter((delivery) => !afterRestart.has(delivery))).toEqual([]);
      // Events raised on both sides of the crash.
      expect(
        producers.every((producer) => producer.acknowledged.length > EVENTS_AFTER_RESTART),
      ).toBe(true);
    },
  );
});
