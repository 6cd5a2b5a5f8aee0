// What other rooms may use of installations.
export { InstallationAccess, type InstallationNeed } from './access.js';
export { installationRoutes } from './routes.js';
export { InstallationParamsSchema, InstallationSchema } from './schemas.js';
export { InstallationService } from './service.js';
export { InstallationStore } from './store.js';
