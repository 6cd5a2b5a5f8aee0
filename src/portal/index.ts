// What other rooms may use of portal.
export { portalRoutes, type PortalRouteOptions } from './routes.js';
export { PortalService, type PortalStores, type PortalUnitOfWork } from './service.js';
export { PortalStore } from './store.js';
