// What other rooms may use of sharing.
export { afterCommitMailer, type SharingMail, type SharingMailer } from './ports.js';
export { invitationPageRoutes } from './page.js';
export { sharingRoutes } from './routes.js';
export { InstallationUserSchema, InvitationStatusSchema } from './schemas.js';
export { hashActivationCode, SharingService, type SharingStores } from './service.js';
export { SharingStore } from './store.js';
