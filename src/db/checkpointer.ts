import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * The thread's code, plain CommonJS so that it runs the same from the build and from the
 * TypeScript sources: its own connection to the database file, a PASSIVE checkpoint every
 * `intervalMs` (it never blocks the server's connection, which writes on meanwhile).
 */
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
const timer = setInterval(() => {
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ checkpointed: result.checkpointed, log: result.log });
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/** What one checkpoint did: WAL frames copied into the database file, of those in the WAL. */
export interface CheckpointReport {
  checkpointed?: number;
  log?: number;
  error?: string;
}

/**
 * SQLite's WAL checkpoints, run beside the server instead of in it. By default the connection
 * that commits past 1,000 WAL pages copies them into the database file and syncs it, in the
 * middle of an OCPP message: under load that was most of the time spent committing. Here a
 * thread with its own connection checkpoints every `intervalMs`; the server's connection keeps
 * a much larger automatic threshold as a backstop, should the thread fall behind.
 */
export class BackgroundCheckpointer {
  private readonly worker: Worker;
  private exited: Promise<void>;

  constructor(
    file: string,
    intervalMs: number,
    onReport: (report: CheckpointReport) => void = () => undefined,
  ) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(THREAD, { eval: true, workerData: { file, driver, intervalMs } });
    this.worker.on('message', onReport);
    this.worker.on('error', (error) => onReport({ error: error.message }));
    this.worker.unref();
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
  }

  /** Stops checkpointing and closes the thread's connection. */
  async stop(): Promise<void> {
    // Held until the thread has closed its connection, or the process would end before.
    this.worker.ref();
    this.worker.postMessage('stop');
    await this.exited;
  }
}
