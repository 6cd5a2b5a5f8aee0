// What other rooms may use of mail.
export { ALERT_INTERVAL_MS, type AlertStation, StationAlerts } from './alerts.js';
export {
  MAIL_CULTURES,
  type MailCulture,
  type MailKind,
  type MailMessage,
  mailCultureOf,
  type StationErrorMessage,
} from './messages.js';
export { mailMetrics } from './metrics.js';
export { isMailAddress, MailQueue } from './queue.js';
export { renderMail } from './render.js';
export { notificationSettingsRoutes } from './routes.js';
export { NotificationSettingsSchema, type NotificationSettings } from './schemas.js';
export { NotificationSettingsService } from './settings.js';
export { MailStore, type MailRow } from './store.js';
export type { RenderedMail } from './templates/layout.js';
export {
  localOutbox,
  MailSendError,
  type MailTransport,
  type OutgoingMail,
  smtpOptionsOf,
  smtpTransport,
} from './transport.js';
export { type MailOutcome, MailWorker, type MailWorkerSettings } from './worker.js';
