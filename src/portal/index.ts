// What other rooms may use of portal.
export { escapeText, markup, raw, SafeHtml } from './html.js';
export {
  isLanguage,
  LANGUAGES,
  type Language,
  languageOf,
  MAIL_CULTURE_OF,
  MESSAGES,
  type Messages,
} from './i18n.js';
export { csrfField, field, formatDate, page, type PageContext, type SiteChrome } from './layout.js';
export { portalRoutes, type PortalRouteOptions } from './routes.js';
export { PortalService, type PortalStores, type PortalUnitOfWork } from './service.js';
export { PortalStore } from './store.js';
