// What other features may use of telemetry: it imports no other feature.
export { ERROR_NAMES, LOGS, MEASURES, PRIVATE_LOGS, PRIVATE_MEASURES } from './catalog.js';
export {
  bufferedRecorder,
  measureRecorder,
  type MeasureRecorder,
  placeSample,
} from './recorder.js';
export { telemetryRoutes, type TelemetryTarget } from './routes.js';
export {
  AggregationRowSchema,
  LogCountSchema,
  LogEntrySchema,
  LogSchema,
  MeasureSchema,
} from './schemas.js';
export { type LogEntry, TelemetryService } from './service.js';
export { type SampleRow, TelemetryStore } from './store.js';
export { ensureSamplePartitions, purgeSamplesBefore } from './partitions.js';
