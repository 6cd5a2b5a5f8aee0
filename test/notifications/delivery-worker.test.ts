import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, expect, it, vi } from 'vitest';
import {
  DeliveryWorker,
  type PostResult,
  type WebhookPoster,
} from '../../src/notifications/index.js';
import { anInstallation } from '../helpers/builders.js';
import { createTestApp, describeEachDialect, type TestApp } from '../helpers/test-app.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const TIMEOUT_MS = 1000;
/** A delivery taken by a worker is leased for twice the timeout and 10 s. */
const LEASE_MS = 2 * TIMEOUT_MS + 10_000;

/** A poster whose POSTs wait until the test answers them. */
class HeldPoster implements WebhookPoster {
  readonly held: { headers: Record<string, string>; answer: (status: number) => void }[] = [];

  post(_url: string, _body: string, headers: Record<string, string>): Promise<PostResult> {
    return new Promise((resolve) => {
      this.held.push({
        headers,
        answer: (statusCode) => resolve({ statusCode, error: null, durationMs: 1, body: '' }),
      });
    });
  }

  /** Answers every POST held now, all in the same turn of the event loop. */
  answerAll(status = 200): number {
    const answered = this.held.splice(0);
    for (const post of answered) post.answer(status);
    return answered.length;
  }

  async waitForHeld(count: number): Promise<void> {
    await vi.waitFor(() => expect(this.held.length).toBe(count), { timeout: 5000 });
  }

  async close(): Promise<void> {}
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describeEachDialect('the delivery worker writes its attempts in batches', (dialect) => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let installationId: number;
  let poster: HeldPoster;
  let worker: DeliveryWorker;

  beforeAll(async () => {
    t = await createTestApp(dialect, { WITTY_WEBHOOK_ALLOW_PRIVATE: 'true' });
    receiver = new WebhookReceiver();
    await receiver.start();
    const { token } = await t.user('owner');
    installationId = await anInstallation(t, token);
    // The receiver answers the handshake; the worker under test posts through HeldPoster.
    const created = await t.api('POST', `/v1/installations/${installationId}/event-subscriptions`, {
      token,
      body: { protocolCode: 'Webhook', protocolData: `${receiver.url}/hook` },
    });
    expect(created.json().state).toBe('Created');
  });
  afterAll(async () => {
    await receiver.stop();
    await t.close();
  });
  beforeEach(async () => {
    vi.restoreAllMocks();
    t.clock.set(new Date());
    poster = new HeldPoster();
    worker = workerPosting(16);
    // Nothing left due by an earlier test.
    await t.app.platform.store.db
      .updateTable('webhook_deliveries')
      .set({ state: 'failed', next_attempt_at: null })
      .where('state', '=', 'pending')
      .execute();
  });

  /** A worker posting through `poster`, with `endpointConcurrency` POSTs per endpoint. */
  function workerPosting(endpointConcurrency: number): DeliveryWorker {
    return new DeliveryWorker({
      store: t.app.platform.notifications,
      poster,
      clock: t.clock,
      settings: {
        retryDelaysSeconds: [10, 60],
        timeoutMs: TIMEOUT_MS,
        concurrency: 256,
        endpointConcurrency,
        pollMs: 60_000,
      },
    });
  }

  /** Stores `count` events of the installation, each with its delivery; their ids. */
  async function raise(count: number): Promise<string[]> {
    const before = await deliveryIds();
    for (let n = 0; n < count; n++) {
      await t.app.platform.uow.run((stores) =>
        stores.outbox.raise(
          { id: randomUUID(), installation_id: installationId },
          'XEVFR.state_EVCS_cybersecurity',
          { cybersecurityEvent: n % 5 },
          t.clock.now().toISOString(),
        ),
      );
    }
    return (await deliveryIds()).filter((id) => !before.includes(id));
  }

  async function deliveryIds(): Promise<string[]> {
    const rows = await t.app.platform.store.db
      .selectFrom('webhook_deliveries')
      .select('id')
      .execute();
    return rows.map((row) => row.id);
  }

  async function deliveries(ids: string[]) {
    const db = t.app.platform.store.db;
    const rows = await db
      .selectFrom('webhook_deliveries')
      .select(['id', 'state', 'attempt_count', 'completed_at', 'lease_until'])
      .where('id', 'in', ids)
      .execute();
    const attempts = await db
      .selectFrom('webhook_attempts')
      .select(['delivery_id', 'status_code'])
      .where('delivery_id', 'in', ids)
      .orderBy('id')
      .execute();
    return rows.map((row) => ({
      ...row,
      attempts: attempts.filter((a) => a.delivery_id === row.id).map((a) => a.status_code),
    }));
  }

  it('answers that come together are written in one transaction, each with its own attempt', async () => {
    const ids = await raise(12);
    const recordAttempts = vi.spyOn(t.app.platform.notifications, 'recordAttempts');
    const run = worker.runOnce();
    await poster.waitForHeld(12);
    expect(poster.answerAll(200)).toBe(12);
    await run;
    expect(recordAttempts).toHaveBeenCalledTimes(1);
    expect(recordAttempts.mock.calls[0]![0]).toHaveLength(12);
    const rows = await deliveries(ids);
    expect(rows).toHaveLength(12);
    for (const row of rows) {
      expect(row).toMatchObject({ state: 'delivered', attempt_count: 1, lease_until: null });
      expect(row.completed_at).toEqual(expect.any(String));
      expect(row.attempts).toEqual([200]);
    }
  });

  it('a batch of different outcomes keeps each delivery its own next state', async () => {
    const ids = await raise(3);
    const run = worker.runOnce();
    await poster.waitForHeld(3);
    const [delivered, retried, refused] = poster.held.splice(0);
    delivered!.answer(200);
    retried!.answer(503);
    refused!.answer(400);
    await run;
    const byEvent = new Map((await deliveries(ids)).map((row) => [row.attempts[0], row] as const));
    expect(byEvent.get(200)).toMatchObject({ state: 'delivered', attempt_count: 1 });
    expect(byEvent.get(503)).toMatchObject({
      state: 'pending',
      attempt_count: 1,
      completed_at: null,
    });
    expect(byEvent.get(400)).toMatchObject({ state: 'failed', attempt_count: 1 });
    expect(byEvent.get(400)?.completed_at).toEqual(expect.any(String));
  });

  it('a burst of wakes in one turn of the event loop costs one claim', async () => {
    const claimDue = vi.spyOn(t.app.platform.notifications, 'claimDue');
    worker.start();
    await vi.waitFor(() => expect(claimDue).toHaveBeenCalledTimes(1));
    await nextTurn();
    claimDue.mockClear();
    for (let n = 0; n < 50; n++) worker.wake();
    await nextTurn();
    await nextTurn();
    await vi.waitFor(() => expect(claimDue).toHaveBeenCalledTimes(1));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(claimDue).toHaveBeenCalledTimes(1);
    await worker.stop(0);
  });

  it('a batch that cannot be written leaves its deliveries leased, then posts them again with the same ids as a new attempt', async () => {
    const ids = await raise(3);
    vi.spyOn(t.app.platform.notifications, 'recordAttempts').mockRejectedValueOnce(
      new Error('disk full'),
    );
    const warnings: string[] = [];
    worker.useLog({ warn: (_details, message) => warnings.push(message), info: () => undefined });
    const run = worker.runOnce();
    await poster.waitForHeld(3);
    const firstIds = poster.held.map((post) => post.headers['webhook-id']).sort();
    expect(poster.held.map((post) => post.headers['aeg-delivery-count'])).toEqual(['0', '0', '0']);
    poster.answerAll(200);
    await run;
    expect(warnings).toEqual(Array(3).fill('webhook delivery not recorded'));
    // Nothing was written: still pending, without an attempt, and leased (not posted again).
    for (const row of await deliveries(ids)) {
      expect(row).toMatchObject({ state: 'pending', attempt_count: 0, attempts: [] });
      expect(row.lease_until).toEqual(expect.any(String));
    }
    await worker.runOnce();
    expect(poster.held).toHaveLength(0);
    // Once the lease runs out the deliveries are taken again: the same events, the same ids.
    t.clock.advance(LEASE_MS + 1000);
    const again = worker.runOnce();
    await poster.waitForHeld(3);
    expect(poster.held.map((post) => post.headers['webhook-id']).sort()).toEqual(firstIds);
    // The lost attempt counts: the endpoint never sees the same attempt of an event twice.
    expect(poster.held.map((post) => post.headers['aeg-delivery-count'])).toEqual(['1', '1', '1']);
    poster.answerAll(200);
    await again;
    for (const row of await deliveries(ids))
      expect(row).toMatchObject({ state: 'delivered', attempt_count: 2, attempts: [null, 200] });
    const lost = await t.app.platform.store.db
      .selectFrom('webhook_attempts')
      .select(['attempted_at', 'error', 'duration_ms'])
      .where('delivery_id', 'in', ids)
      .where('status_code', 'is', null)
      .execute();
    expect(lost).toHaveLength(3);
    for (const attempt of lost) {
      expect(attempt.error).toMatch(/^no outcome recorded/);
      // Dated when its lease was taken, not when it was found lost.
      expect(Date.parse(attempt.attempted_at)).toBeLessThan(t.clock.now().getTime() - LEASE_MS);
    }
  });

  it("an endpoint's slot carries its next POST while the last attempt is still being written", async () => {
    const ids = await raise(2);
    const one = workerPosting(1);
    const store = t.app.platform.notifications;
    const write = store.recordAttempts.bind(store);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    vi.spyOn(store, 'recordAttempts').mockImplementation(async (records) => {
      await gate;
      return write(records);
    });
    const run = one.runOnce();
    await poster.waitForHeld(1);
    poster.answerAll(200);
    // The first attempt's record waits at the gate; the endpoint's one slot is already free.
    await poster.waitForHeld(1);
    poster.answerAll(200);
    open();
    await run;
    for (const row of await deliveries(ids))
      expect(row).toMatchObject({ state: 'delivered', attempt_count: 1, attempts: [200] });
  });

  it('recordAttempts writes all of a batch or none of it', async () => {
    const ids = await raise(2);
    const at = t.clock.now().toISOString();
    const record = (deliveryId: string) => ({
      attempt: {
        delivery_id: deliveryId,
        attempted_at: at,
        status_code: 200,
        error: null,
        duration_ms: 3,
      },
      delivery: { state: 'delivered' as const, attempt_count: 1, completed_at: at },
    });
    const store = t.app.platform.notifications;
    // The last record names no delivery: the batch fails whole.
    await expect(
      store.recordAttempts([record(ids[0]!), record(ids[1]!), record(randomUUID())]),
    ).rejects.toThrow();
    for (const row of await deliveries(ids))
      expect(row).toMatchObject({ state: 'pending', attempt_count: 0, attempts: [] });
    await store.recordAttempts([record(ids[0]!), record(ids[1]!)]);
    for (const row of await deliveries(ids))
      expect(row).toMatchObject({ state: 'delivered', attempt_count: 1, attempts: [200] });
  });
});
