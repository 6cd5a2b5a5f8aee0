/** Processes of the benches: started and watched through Linux's /proc. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');

/** Starts `command` in the project's folder; resolves once its output matches `ready`. */
export function startProcess(
  command: string,
  env: NodeJS.ProcessEnv,
  ready = /ready/,
): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `exec ${command}`], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (ready.test(output)) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`${command} exited with ${code}: ${output}`)));
  });
}

/** Sends SIGTERM to a started process; resolves once it has exited. */
export function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** CPU time (user + system) a process has used, in seconds (Linux clock ticks of 1/100 s). */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Resident memory of a process, in bytes. */
export function rssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return Number(kb) * 1024;
}

/**
 * Runs bench/gateway-load.ts in a process of its own with these options; `onLine` gets each
 * JSON line it prints. Resolves when it exits.
 */
export function runLoadGenerator(
  options: object,
  onLine: (line: Record<string, number | string>) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const file = path.join(os.tmpdir(), `witty-bench-load-${process.pid}-${Date.now()}.json`);
    fs.writeFileSync(file, JSON.stringify(options));
    const load = spawn('bash', ['-c', 'exec node --import tsx bench/gateway-load.ts'], {
      cwd: root,
      env: { ...process.env, BENCH_LOAD_FILE: file },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let buffer = '';
    load.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        try {
          onLine(JSON.parse(line) as Record<string, number | string>);
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      }
    });
    load.once('exit', () => {
      fs.rmSync(file, { force: true });
      resolve();
    });
  });
}

function newestModification(directory: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
    const file = path.join(directory, entry.name);
    newest = Math.max(
      newest,
      entry.isDirectory() ? newestModification(file) : fs.statSync(file).mtimeMs,
    );
  }
  return newest;
}

/**
 * Whether `witty serve` runs the build: bin/witty.js runs dist/ when its stamp is newer than
 * every source, and the sources through tsx otherwise (the same rule, read from here).
 */
export function buildIsCurrent(): boolean {
  try {
    return (
      fs.statSync(path.join(root, 'dist/.build-stamp')).mtimeMs >=
      newestModification(path.join(root, 'src'))
    );
  } catch {
    return false;
  }
}
