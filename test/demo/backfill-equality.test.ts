import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfill, historyState, type BackfillOptions } from '../../src/demo/index.js';
import {
  appOn,
  copyOf,
  dumpHistory,
  expectSameHistory,
  historyFixture,
  removeCopies,
  type HistoryDump,
  type HistoryFixture,
} from './history-fixture.js';
import { referenceBackfill } from './reference-backfill.js';

// Ten days over a change of hour (25 October 2026) and a weekend, deferred: sessions that start
// in the night, run over midnight and a day's batch, and stop at the end of the history.
const END = new Date('2026-10-30T12:03:00Z');
const options = (uid: string): BackfillOptions => ({
  uid,
  days: 10,
  end: END,
  subscription: 'TEMPO',
  chargeMode: 'deferred',
});

describe('the batched, resumable backfill stores the history the previous backfill stored', () => {
  let fixture: HistoryFixture | undefined;
  let reference: HistoryDump;
  let batched: HistoryDump;
  let counts: { readings: number; sessions: number };

  beforeAll(async () => {
    fixture = await historyFixture();
    const before = copyOf(fixture);
    const t = await appOn(before);
    await referenceBackfill(t.app.platform.deviceState, options(fixture.uid));
    await t.close();
    reference = dumpHistory(before);

    const after = copyOf(fixture);
    const u = await appOn(after);
    counts = await backfill(u.app.platform, options(fixture.uid));
    await u.close();
    batched = dumpHistory(after);
  }, 120_000);
  afterAll(() => removeCopies(fixture));

  it('the same rows: samples, rollups, logs, sessions, statuses, meter, events', () => {
    expect(reference.measure_samples!.length).toBeGreaterThan(10 * 144 * 2);
    expect(reference.charging_sessions!.length).toBeGreaterThan(3);
    expectSameHistory(batched, reference);
    expect(counts.readings).toBe(10 * 144 + 1);
    expect(counts.sessions).toBe(reference.charging_sessions!.length);
  });

  it('cut short (its signal aborted) and started again, it ends with the same history', async () => {
    const dataDir = copyOf(fixture!);
    const t = await appOn(dataDir);
    const stopping = new AbortController();
    await backfill(t.app.platform, options(fixture!.uid), {
      signal: stopping.signal,
      onBatch: (done) => {
        if (done > 0.4) stopping.abort();
      },
    });
    const partial = await historyState(t.app.platform, fixture!.uid);
    expect(partial.state).toBe('partial');
    expect(partial.done).toBeGreaterThan(0.4);
    expect(partial.done).toBeLessThan(0.6);
    // A later call's options do not change the plan of a history under way.
    await backfill(t.app.platform, { ...options(fixture!.uid), days: 3, end: new Date() });
    expect(await historyState(t.app.platform, fixture!.uid)).toEqual({
      state: 'complete',
      done: 1,
    });
    await t.close();
    expectSameHistory(dumpHistory(dataDir), reference);
  }, 120_000);

  it('a history complete is not fed again: the next call stores nothing', async () => {
    const dataDir = copyOf(fixture!);
    const t = await appOn(dataDir);
    const first = await backfill(t.app.platform, options(fixture!.uid));
    const again = await backfill(t.app.platform, options(fixture!.uid));
    await t.close();
    expect(again).toEqual(first);
    expectSameHistory(dumpHistory(dataDir), reference);
  }, 120_000);
});
