// What other features may use of stations.
export {
  DeviceStateService,
  StationContext,
  UnknownDeviceError,
  normalizeTimestamp,
  type DeviceStateStores,
  type GridIngestPort,
  type MeterReading,
  type PriceAt,
  type StationInfo,
  type StatusReport,
} from './device-state.js';
export {
  StationCommandRunner,
  changeConfiguration,
  type PlannedCall,
  type Requester,
} from './commands.js';
export { stationRoutes } from './routes.js';
export { ChargingStationSchema, CommandSchema } from './schemas.js';
export { StationService } from './service.js';
export { StationStore, type SessionRow, type StationRow } from './store.js';
