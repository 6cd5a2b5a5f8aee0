// What other rooms may use of demo.
export { backfill, type BackfillOptions, historyState } from './backfill.js';
export { DEMO_ADMIN, DEMO_OWNER, startDemo } from './demo.js';
