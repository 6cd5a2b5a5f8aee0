// What other rooms may use of identity.
export { type Caller, callerOf, registerApiAuthentication } from './authenticate.js';
export {
  API_SCOPE,
  createOidcProvider,
  escapeHtml,
  isRedirectUri,
  issueOperatorAccessToken,
  loadSigningKeys,
  OIDC_ROUTES,
  registerClient,
} from './oidc.js';
export { registerOidcRoutes } from './oidc-routes.js';
export { CallerCache } from './caller-cache.js';
export { grantStands, purgeExpiredOidcPayloads } from './oidc-store.js';
export {
  type Account,
  IdentityError,
  IdentityService,
  type IssuedKeys,
  MIN_PASSWORD_LENGTH,
  type NewAccount,
  normalizeEmail,
  toAccount,
  type Role,
  ROLES,
  STARTER_PACK_PRODUCT_ID,
  type SubscriptionCaller,
  subscriptionKeyHash,
} from './service.js';
export { type AccountRow, IdentityStore, type SubscriptionRow } from './store.js';
export { hashPassword } from './passwords.js';
