// What other rooms may use of grid.
export { ingestTic, stationPricing } from './ingest.js';
export { gridRoutes } from './routes.js';
export { GridMeterSchema, TariffSchema } from './schemas.js';
export { GridService } from './service.js';
export { GridStore } from './store.js';
export { CalendarFileError, parseCalendarFile, type CalendarDay } from './calendar-file.js';
export {
  loadTariffSource,
  subscriptionInForce,
  type SubscriptionInForce,
  type TariffSource,
} from './tariff-source.js';
