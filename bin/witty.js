#!/usr/bin/env node
// Entry point of the `witty` command. Runs the compiled build (dist/, made by `npm run build`,
// which `npm ci` runs) when it is newer than every source file; otherwise runs the TypeScript
// sources through tsx, so that an edited tree never runs stale code.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const stamp = `${root}dist/.build-stamp`;

function newestSource(directory) {
  let newest = 0;
  for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
    const path = `${directory}/${entry.name}`;
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : fs.statSync(path).mtimeMs);
  }
  return newest;
}

function buildIsCurrent() {
  try {
    return fs.statSync(stamp).mtimeMs >= newestSource(`${root}src`);
  } catch {
    return false;
  }
}

let main;
if (buildIsCurrent()) {
  ({ main } = await import('../dist/src/main.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
