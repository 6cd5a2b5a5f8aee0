// What other rooms may use of portal.
export { landingPage } from './landing.js';
