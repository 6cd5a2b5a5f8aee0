// The station command bus: what stations, grid and the gateway share to send CALLs.
export {
  StationCallTimeoutError,
  type StationCommandBus,
  StationNotConnectedError,
} from './command-bus.js';
export { NatsStationBus, SUBJECTS, subjectToken, type LocalStations } from './nats-bus.js';
