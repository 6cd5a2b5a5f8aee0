import type { FastifyBaseLogger } from 'fastify';

/** Work the platform repeats while it serves (listed by buildApp, started by `witty serve`). */
export interface Job {
  name: string;
  intervalMs: number;
  run(): Promise<void>;
}

/**
 * Runs each job now and then every intervalMs, one run of a job at a time; a failed run is
 * logged and the next one happens as planned. stop() ends the timers and waits for the runs.
 */
export function startJobs(
  jobs: readonly Job[],
  log: Pick<FastifyBaseLogger, 'warn'>,
): { stop(): Promise<void> } {
  const timers: NodeJS.Timeout[] = [];
  const running = new Map<Job, Promise<void>>();
  const tick = (job: Job) => {
    if (running.has(job)) return;
    const run = job
      .run()
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
