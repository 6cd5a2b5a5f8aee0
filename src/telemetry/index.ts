// What other features may use of telemetry: it imports no other feature.
export { ERROR_NAMES, LOGS, MEASURES, PRIVATE_LOGS, PRIVATE_MEASURES } from './catalog.js';
export { measureRecorder, placeSample, type MeasureRecorder } from './recorder.js';
export { telemetryRoutes, type TelemetryTarget } from './routes.js';
export {
  AggregationRowSchema,
  LogCountSchema,
  LogEntrySchema,
  LogSchema,
  MeasureSchema,
} from './schemas.js';
export { TelemetryService, type LogEntry } from './service.js';
export { TelemetryStore, type SampleRow } from './store.js';
