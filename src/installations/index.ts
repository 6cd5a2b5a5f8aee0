// What other rooms may use of installations.
export {
  CAPABILITIES,
  INSTALLER_REDACTIONS,
  InstallationAccess,
  isInstallationCapability,
  outcomeFor,
  PERSONAS,
  registerAccessControl,
  RELATIONS,
  ROUTE_CAPABILITIES,
  routeKey,
  type AccountCapability,
  type Capability,
  type InstallationCapability,
  type InstallationNeed,
  type Outcome,
  type Persona,
  type Relation,
} from './access.js';
export { installationRoutes } from './routes.js';
export { InstallationParamsSchema, InstallationSchema } from './schemas.js';
export { InstallationService } from './service.js';
export { InstallationStore } from './store.js';
