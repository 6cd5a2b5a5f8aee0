// Entry point: bin/witty.js hands the command line to cli/.
export { main } from './cli/index.js';
