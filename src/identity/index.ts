export type { Caller } from './authenticate.js';
export { callerOf, registerApiAuthentication } from './authenticate.js';
export { IdentityService, IdentityError, ROLES, STARTER_PACK_PRODUCT_ID } from './service.js';
export type { Account, Role, IssuedKeys, SubscriptionCaller } from './service.js';
export { IdentityStore } from './store.js';
export {
  createOidcProvider,
  issueOperatorAccessToken,
  loadSigningKeys,
  registerClient,
  API_SCOPE,
  OIDC_ROUTES,
} from './oidc.js';
export { registerOidcRoutes } from './oidc-routes.js';
export { purgeExpiredOidcPayloads } from './oidc-store.js';
