// What other rooms may use of sandbox.
export { type Sandbox, type SandboxDependencies, SandboxService } from './service.js';
export { SandboxStations } from './stations.js';
export { SandboxStore } from './store.js';
