import type { FastifyBaseLogger } from 'fastify';
import type { Executor } from './db/unit-of-work.js';

/** Work the platform repeats while it serves (listed by buildApp, started by `witty serve`). */
export interface Job {
  name: string;
  intervalMs: number;
  run(): Promise<void>;
}

/**
 * Runs each job now and then every intervalMs, one run of a job at a time; a failed run is
 * logged and the next one happens as planned. With `claim`, a run happens only when it says the
 * run is this process's (JobLeases: one node of several). stop() ends the timers and waits for
 * the runs.
 */
export function startJobs(
  jobs: readonly Job[],
  log: Pick<FastifyBaseLogger, 'warn'>,
  claim?: (job: Job) => Promise<boolean>,
): { stop(): Promise<void> } {
  const timers: NodeJS.Timeout[] = [];
  const running = new Map<Job, Promise<void>>();
  const tick = (job: Job) => {
    if (running.has(job)) return;
    const attempt = claim ? claim(job).then((mine) => (mine ? job.run() : undefined)) : job.run();
    const run = attempt
      .catch((error: unknown) => log.warn({ err: error, job: job.name }, 'job failed'))
      .finally(() => running.delete(job));
    running.set(job, run);
  };
  for (const job of jobs) {
    tick(job);
    const timer = setInterval(() => tick(job), job.intervalMs);
    timer.unref();
    timers.push(timer);
  }
  return {
    async stop() {
      for (const timer of timers) clearInterval(timer);
      await Promise.allSettled([...running.values()]);
    },
  };
}

/**
 * Leases of the periodic jobs in the database: of the nodes running a job, the first to find its
 * lease ended takes the run, and the lease lasts 90 % of the job's interval, so that the job runs
 * about once per interval across the cluster however many worker nodes tick.
 */
export class JobLeases {
  constructor(
    private readonly db: Executor,
    private readonly node: string,
  ) {}

  /** Whether this node takes `job`'s run at `now`. */
  async claim(job: Pick<Job, 'name' | 'intervalMs'>, now: Date): Promise<boolean> {
    await this.db
      .insertInto('job_leases')
      .values({ name: job.name, node: this.node, lease_until: new Date(0).toISOString() })
      .onConflict((conflict) => conflict.column('name').doNothing())
      .execute();
    // Two nodes at once: PostgreSQL's row lock makes the second see the first's lease, and
    // update nothing.
    const taken = await this.db
      .updateTable('job_leases')
      .set({
        node: this.node,
        lease_until: new Date(now.getTime() + job.intervalMs * 0.9).toISOString(),
      })
      .where('name', '=', job.name)
      .where('lease_until', '<=', now.toISOString())
      .executeTakeFirst();
    return Number(taken.numUpdatedRows) === 1;
  }
}
