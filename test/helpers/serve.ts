import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

/** A `witty serve` process started as an operator would, with what it printed so far. */
export interface ServeProcess {
  child: ChildProcess;
  output(): { stdout: string; stderr: string };
  /** Resolves with the exit code once the process ends. */
  exited: Promise<number | null>;
}

/** Starts `node bin/witty.js serve` with `env` and waits until it says it is ready. */
export async function startServe(env: NodeJS.ProcessEnv): Promise<ServeProcess> {
  const child = spawn(process.execPath, ['bin/witty.js', 'serve'], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const serve: ServeProcess = { child, output: () => ({ stdout, stderr }), exited };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready after 20 s: ${stderr}`)), 20_000);
    const check = () => {
      if (!stdout.includes('ready')) return;
      clearTimeout(timer);
      resolve();
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before it was ready: ${stderr}`));
    });
  });
  return serve;
}
