/** What every benchmark needs: spawn the CLI (all killed on exit), bounded waits, and median/p95/max. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');

const children = new Set<ChildProcess>();

/** Kill every process this benchmark started (also runs on exit). */
export function killAll(): void {
  for (const c of children) c.kill('SIGKILL');
}
process.on('exit', killAll);

/** Give up after `ms` with a message, so a stuck benchmark never runs forever. */
export function deadline(name: string, ms: number): void {
  setTimeout(() => {
    console.error(`${name}: gave up after ${ms / 60_000} minutes`);
    process.exit(1);
  }, ms).unref();
  process.on('SIGINT', () => process.exit(130));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `watchparty <args>` with CI=true (plain logs), `nodeArgs` given to node; its stdout+stderr accumulate in `out()`. */
export function start(args: string[], env: Record<string, string> = {}, nodeArgs: string[] = []): { child: ChildProcess; out: () => string } {
  const child = spawn(process.execPath, [...nodeArgs, CLI, ...args], { env: { ...process.env, CI: 'true', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { child, out: () => out };
}

/** Poll `f` until it returns a truthy value, at most `timeoutMs`. */
export async function until<T>(f: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs: number, what: string, everyMs = 10): Promise<T> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** `median X  p95 Y  max Z  (n=N)`. */
export function stats(xs: number[]): string {
  if (xs.length === 0) return 'no samples';
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
  return `median ${q(0.5).toFixed(1)}  p95 ${q(0.95).toFixed(1)}  max ${s[s.length - 1]!.toFixed(1)}  (n=${s.length})`;
}

/** `--name N` from the command line as a number, else `fallback`; a value that is not a number stops the bench. */
export function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isFinite(n)) {
    console.error(`--${name} takes a number, not ${JSON.stringify(process.argv[i + 1] ?? '')}`);
    process.exit(2);
  }
  return n;
}
