// What other rooms may use of devices.
export { DeviceError, DeviceService } from './service.js';
export {
  type ConnectorStateRow,
  type DeviceRow,
  type DeviceStateUpdate,
  DeviceStore,
  LIVE_DEVICE_COLUMNS,
  type LiveDevice,
} from './store.js';
