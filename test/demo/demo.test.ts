import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { freePort } from '../helpers/http.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
let demo: ChildProcess | undefined;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'witty-demo-'));

afterAll(() => {
  demo?.kill('SIGTERM');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it('npm run demo prints a curl command that returns a demo station with live values', async () => {
  const port = await freePort();
  const controlPort = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    WITTY_DATA_DIR: dataDir,
    PORT: String(port),
    WITTY_LOG_LEVEL: 'warn',
  };
  delete env.DATABASE_URL;
  demo = spawn(
    process.execPath,
    [
      'bin/witty.js',
      'demo',
      '--days',
      '1',
      '--speed',
      '600',
      '--control-port',
      String(controlPort),
    ],
    {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo not ready: ${output}`)), 60_000);
    demo!.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Sim control') && output.includes('curl -H')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const curl =
    /curl -H "Ocp-Apim-Subscription-Key: (\w+)" -H "Authorization: Bearer ([\w.-]+)" (\S+)/.exec(
      output,
    );
  expect(curl).not.toBeNull();
  const [, key, token, url] = curl!;
  // Live values: the virtual station charges the car plugged at start.
  let station:
    | {
        properties: { availability: string; currentSession: { totalSessionEnergy: number } | null };
      }
    | undefined;
  for (let attempt = 0; attempt < 60; attempt++) {
    const response = await fetch(url!, {
      headers: { 'ocp-apim-subscription-key': key!, authorization: `Bearer ${token!}` },
    });
    expect(response.status).toBe(200);
    station = (await response.json()) as typeof station;
    if ((station?.properties.currentSession?.totalSessionEnergy ?? 0) > 0) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  expect(station?.properties.availability).toBe('charging');
  expect(station?.properties.currentSession?.totalSessionEnergy).toBeGreaterThan(0);
  const control = (await (await fetch(`http://127.0.0.1:${controlPort}/stations`)).json()) as {
    stations: unknown[];
  };
  expect(control.stations).toHaveLength(3);
}, 90_000);
