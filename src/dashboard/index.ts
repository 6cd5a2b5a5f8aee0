// What other rooms may use of dashboard.
export { dashboardRoutes, type DashboardRouteOptions } from './routes.js';
export { CALLBACK_PATH, DASHBOARD_CLIENT_ID, DASHBOARD_SCOPES } from './oidc-client.js';
export {
  DASHBOARD_DEVELOPER_EMAIL,
  DASHBOARD_SUBSCRIPTION_NAME,
  ensureDashboardSubscription,
  type DashboardSubscription,
} from './subscription.js';
