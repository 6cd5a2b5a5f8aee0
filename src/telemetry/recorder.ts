import { dayOf } from '../domain/time-buckets.js';
import type { PlacedSample, SampleRow, TelemetryStore } from './store.js';

const HOUR = 3600_000;

/**
 * How other features record measures and logs: in the store (and transaction) they were built
 * on, so that a reading and the state change it belongs to commit together.
 */
export interface MeasureRecorder {
  /** Stores 10-minute samples and adds them to the hourly and daily rollups of `zone`. */
  samples(samples: readonly SampleRow[], zone: string): Promise<void>;
  /** Records a log value, e.g. SessionStart, dated by the device. */
  log(deviceId: string, logName: string, value: unknown, at: string): Promise<void>;
  /** The value of a log's latest record, to log changes only. */
  lastLogValue(deviceId: string, logName: string): Promise<unknown>;
  /** Sum of a measure's samples per session (the cost of sessions). */
  sessionTotals(measure: string, sessionIds: readonly number[]): Promise<Map<number, number>>;
  /**
   * Replaces a measure's samples from a day start on with ones built from another measure's
   * samples (costs priced again from energy), rollups included.
   */
  rebuildSince(
    deviceId: string,
    measure: string,
    dayStart: string,
    sourceMeasure: string,
    build: (source: readonly SampleRow[]) => SampleRow[],
    zone: string,
  ): Promise<void>;
}

/** A sample with the starts of the UTC hour and of the local day it falls in. */
export function placeSample(sample: SampleRow, zone: string): PlacedSample {
  const at = new Date(sample.at);
  const day = dayOf(at, zone);
  return {
    ...sample,
    hourStart: new Date(Math.floor(at.getTime() / HOUR) * HOUR).toISOString(),
    dayStart: day.start,
    localDay: day.date,
  };
}

/** The recorder over a telemetry store (bound to the caller's transaction). */
export function measureRecorder(store: TelemetryStore): MeasureRecorder {
  return {
    samples: (samples, zone) => store.insertSamples(samples.map((s) => placeSample(s, zone))),
    log: (deviceId, logName, value, at) =>
      store.insertLog({ device_id: deviceId, log_name: logName, at, value: JSON.stringify(value) }),
    async lastLogValue(deviceId, logName) {
      const row = await store.lastLog(deviceId, logName);
      return row ? (JSON.parse(row.value) as unknown) : undefined;
    },
    sessionTotals: (measure, sessionIds) => store.sumBySession(measure, sessionIds),
    rebuildSince: (deviceId, measure, dayStart, sourceMeasure, build, zone) =>
      store.replaceSince(
        deviceId,
        measure,
        dayStart,
        (source) => build(source).map((s) => placeSample(s, zone)),
        sourceMeasure,
      ),
  };
}
