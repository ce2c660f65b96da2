/**
 * Start real watchparty processes (`node dist/cli.js …`, built by global setup) with temporary data
 * folders on 127.0.0.1, capture their output, and make sure every one is killed after each test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach } from 'vitest';
import { waitFor } from './wait-for.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');

export interface Proc {
  child: ChildProcess;
  /** stdout + stderr so far. */
  output(): string;
  stdout(): string;
  stderr(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited(timeoutMs?: number): Promise<number | null>;
  kill(signal?: NodeJS.Signals): void;
}

/** Processes of the current test (killed after it) and of the whole file (killed after all its tests). */
const running = new Set<ChildProcess>();
const fileScoped = new Set<ChildProcess>();
const tempDirs: string[] = [];
const fileTempDirs: string[] = [];

async function killAll(set: Set<ChildProcess>, dirs: string[]): Promise<void> {
  for (const child of set) child.kill('SIGKILL');
  await Promise.all([...set].map((c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.once('exit', r)))));
  set.clear();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

afterEach(() => killAll(running, tempDirs));
afterAll(() => killAll(fileScoped, fileTempDirs));

let scope: 'test' | 'file' = 'test';
/** Start processes inside `fn` (e.g. in beforeAll) that live until the file's last test is done. */
export async function fileScope<T>(fn: () => Promise<T>): Promise<T> {
  scope = 'file';
  try {
    return await fn();
  } finally {
    scope = 'test';
  }
}

/** A temporary folder removed after the test. */
export function tempDir(prefix = 'wp-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  (scope === 'file' ? fileTempDirs : tempDirs).push(dir);
  return dir;
}

/** Run `watchparty <args>`; `input` is written to stdin, which is then closed. */
export function run(args: string[], opts: { env?: Record<string, string>; input?: string } = {}): Proc {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1', ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const set = scope === 'file' ? fileScoped : running;
  set.add(child);
  child.once('exit', () => set.delete(child));
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  if (opts.input !== undefined) child.stdin!.end(opts.input);
  else child.stdin!.end();
  const exitPromise = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out + err,
    stdout: () => out,
    stderr: () => err,
    waitFor: (pattern, timeoutMs = 10_000) =>
      waitFor(() => (out + err).match(pattern), { timeoutMs, what: `${pattern} in the output of "watchparty ${args.join(' ')}":\n${out}${err}` }),
    exited: (timeoutMs = 20_000) =>
      Promise.race([exitPromise, new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`"watchparty ${args.join(' ')}" did not exit within ${timeoutMs} ms:\n${out}${err}`)), timeoutMs))]),
    kill: (signal = 'SIGKILL') => child.kill(signal),
  };
}

/** Run a command to completion; returns exit code and output. */
export async function runToEnd(args: string[], opts: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {}) {
  const p = run(args, opts);
  const code = await p.exited(opts.timeoutMs ?? 20_000);
  return { code, stdout: p.stdout(), stderr: p.stderr(), output: p.output() };
}

export interface Server extends Proc {
  address: string;
  port: number;
  dataDir: string;
}

/** Start a headless central on a free port; resolves once it prints its ready line. */
export async function startCentral(opts: { dataDir?: string; port?: number; heartbeat?: number; secretFile?: string; uploadLease?: number; extraArgs?: string[] } = {}): Promise<Server> {
  const dataDir = opts.dataDir ?? tempDir('wp-central-');
  const args = ['central', '--headless', '--bind', '127.0.0.1', '--port', String(opts.port ?? 0), '--data', dataDir, '--heartbeat', String(opts.heartbeat ?? 1)];
  if (opts.secretFile) args.push('--secret-file', opts.secretFile);
  if (opts.uploadLease) args.push('--upload-lease', String(opts.uploadLease));
  if (opts.extraArgs) args.push(...opts.extraArgs);
  const p = run(args);
  const m = await p.waitFor(/ready central 127\.0\.0\.1:(\d+)/);
  const port = Number(m[1]);
  return { ...p, address: `127.0.0.1:${port}`, port, dataDir };
}

/** The cluster secret file a central started by startCentral created in its data folder. */
export function secretFileOf(central: { dataDir: string }): string {
  return path.join(central.dataDir, 'secret');
}

/**
 * Start a headless sub against a central, with that central's secret file (or `secretFile`); resolves
 * once it has registered (unless `waitRegistered` is false). It runs no media tasks unless `jobs` says
 * so: encoding renditions in the background would only disturb the timing of tests about other things.
 */
export async function startSub(central: { port: number; dataDir: string }, opts: { dataDir?: string; secretFile?: string; waitRegistered?: boolean; extraArgs?: string[]; jobs?: number } = {}): Promise<Server & { subId: string }> {
  const dataDir = opts.dataDir ?? tempDir('wp-sub-');
  const args = ['sub', '--headless', '--host', '127.0.0.1', '--port', String(central.port), '--bind', '127.0.0.1', '--data', dataDir, '--jobs', String(opts.jobs ?? 0)];
  args.push('--secret-file', opts.secretFile ?? secretFileOf(central), ...(opts.extraArgs ?? []));
  const p = run(args);
  const m = await p.waitFor(/ready sub 127\.0\.0\.1:(\d+)/);
  const port = Number(m[1]);
  let subId = '';
  if (opts.waitRegistered !== false) subId = (await p.waitFor(/registered with central \S+ as (sub-\d+)/))[1]!;
  return { ...p, address: `127.0.0.1:${port}`, port, dataDir, subId };
}

/** `watchparty status --json` against a central port. */
export async function status(centralPort: number): Promise<{ instance: string; subs: { id: string; address: string; pid: number; users: number; state: string }[] }> {
  const r = await runToEnd(['status', '--json', '--host', '127.0.0.1', '--port', String(centralPort)], { timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`status failed (${r.code}): ${r.output}`);
  return JSON.parse(r.stdout);
}
