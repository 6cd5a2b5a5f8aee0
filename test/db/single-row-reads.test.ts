import type { KyselyPlugin, RootOperationNode } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Store } from '../../src/db/database.js';
import { SharingStore } from '../../src/sharing/index.js';
import { StationStore } from '../../src/stations/index.js';
import { TelemetryStore } from '../../src/telemetry/index.js';
import { describeEachDialect, migratedStore } from '../helpers/test-app.js';

/** Records the select statements run through it. */
function selectRecorder(): KyselyPlugin & { selects: RootOperationNode[] } {
  const selects: RootOperationNode[] = [];
  return {
    selects,
    transformQuery({ node }) {
      if (node.kind === 'SelectQueryNode') selects.push(node);
      return node;
    },
    transformResult: ({ result }) => Promise.resolve(result),
  };
}

/**
 * A read that keeps the newest of many rows asks the database for one row. Without LIMIT the
 * driver reads every matching row and the caller keeps the first: a station's status changes
 * read its whole log history, every time, ever slower as the history grows.
 */
describeEachDialect('reads of the newest row', (dialect) => {
  let store: Store;
  let close: () => Promise<void>;

  beforeEach(async () => {
    ({ store, close } = await migratedStore(dialect));
  });
  afterEach(() => close());

  it('take one row from the database', async () => {
    const recorder = selectRecorder();
    const db = store.db.withPlugin(recorder);
    const telemetry = new TelemetryStore(db);
    for (let i = 0; i < 3; i++)
      await telemetry.insertLog({
        device_id: 'station-1',
        log_name: 'state',
        at: `2026-01-01T00:00:0${i}.000Z`,
        value: JSON.stringify({ n: i }),
      });
    recorder.selects.length = 0;

    expect((await telemetry.lastLog('station-1', 'state'))?.value).toBe(JSON.stringify({ n: 2 }));
    await new StationStore(db).sessionsOf('station-1');
    await new SharingStore(db).acceptedCulture(1, 'account-1');

    expect(recorder.selects.length).toBe(4);
    for (const select of recorder.selects)
      expect(select).toMatchObject({ limit: { kind: 'LimitNode' } });
  });
});
