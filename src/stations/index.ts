// What other features may use of stations.
export { ChargeDriver, type TariffClasses } from './charge-driver.js';
export {
  changeConfiguration,
  type CompletedCommand,
  type PlannedCall,
  type Requester,
  StationCommandRunner,
} from './commands.js';
export {
  DeviceStateService,
  type DeviceStateStores,
  type GridIngestPort,
  type MeterReading,
  normalizeTimestamp,
  type PriceAt,
  StationContext,
  type StationInfo,
  type StatusReport,
  UnknownDeviceError,
} from './device-state.js';
export { stationRoutes } from './routes.js';
export { ChargingStationSchema, CommandSchema } from './schemas.js';
export { StationService } from './service.js';
export { type SessionRow, type StationRow, StationStore } from './store.js';
