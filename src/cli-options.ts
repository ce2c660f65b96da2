/** Option parsers shared by the CLI's commands: each rejects a bad value with what to type instead. */
import os from 'node:os';
import { InvalidArgumentError } from 'commander';
import { WatchpartyError } from './core/errors.js';
import { parseLifetime } from './roles/shared/session-policy.js';

export function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < 0 || n > 65535) {
    throw new InvalidArgumentError(`"${value}" is not a port number: use 0-65535, e.g. --port 8000`);
  }
  return n;
}

export function parseHeartbeatSeconds(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || n < 0.1 || n > 3600) {
    throw new InvalidArgumentError(`"${value}" is not a heartbeat: use seconds from 0.1 to 3600, e.g. --heartbeat 2`);
  }
  return n;
}

/** `--drain-timeout`: seconds from 1 to 3600, as ms. */
export function parseDrainTimeout(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || n < 1 || n > 3600) {
    throw new InvalidArgumentError(`"${value}" is not a drain timeout: use seconds from 1 to 3600, e.g. --drain-timeout 60`);
  }
  return Math.round(n * 1000);
}

export function parseHost(value: string): string {
  if (!/^[A-Za-z0-9.:_\-[\]]{1,255}$/.test(value)) {
    throw new InvalidArgumentError(`"${value}" is not a host name or IP address, e.g. --host 192.168.1.10`);
  }
  return value;
}

/** `--host a,b:9000`: one central, or every central of a cluster that shares a store (at most 16). */
export function parseHosts(value: string): string {
  const hosts = value.split(',').map((h) => h.trim()).filter((h) => h.length > 0);
  if (hosts.length === 0 || hosts.length > 16) throw new InvalidArgumentError(`"${value}" is not a list of 1 to 16 hosts, e.g. --host 192.168.1.10 or --host a.lan,b.lan:9000`);
  for (const h of hosts) parseHost(h);
  return hosts.join(',');
}

export function parseLogLevel(value: string): 'debug' | 'info' | 'warn' | 'error' {
  if (value === 'debug' || value === 'info' || value === 'warn' || value === 'error') return value;
  throw new InvalidArgumentError(`"${value}" is not a log level: use debug, info, warn or error`);
}

export { joinHostPort } from './net/tls.js';

export function parseRateScale(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || n < 0.01 || n > 1_000_000) {
    throw new InvalidArgumentError(`"${value}" is not a rate-limit factor: use 0.01 to 1000000 (1 = the defaults, 100 = a hundred times more), e.g. --rate-scale 10`);
  }
  return n;
}

export function parseLifetimeOption(value: string): number {
  const ms = parseLifetime(value);
  if (ms === undefined) throw new InvalidArgumentError(`"${value}" is not a lifetime: use a number with d, h, m or s, e.g. 30d or 12h`);
  return ms;
}

/** Media tasks a sub runs at once by default: half its cores (at least one), so streaming keeps the rest. */
export function defaultJobs(): number {
  return Math.max(1, Math.floor(os.availableParallelism() / 2));
}

export function parseJobs(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 16) throw new InvalidArgumentError(`"${value}" is not a number of media tasks: use 0 (a streaming-only sub) to 16 (central leases no sub more), e.g. --jobs 2`);
  return n;
}

export function parseAttempts(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 100) throw new InvalidArgumentError(`"${value}" is not a number of tries: use 1 to 100, e.g. --job-attempts 4`);
  return n;
}

/**
 * `--store`: `sqlite` (the embedded default, in --data) or `postgres://USER@HOST:PORT/DATABASE`.
 * A password in the URL is refused on the command line (ps shows it to every user of the machine):
 * it belongs in PGPASSWORD, ~/.pgpass, or the URL in WATCHPARTY_STORE (`allowPassword`).
 */
export function parseStore(value: string, allowPassword = false): string | undefined {
  if (value === 'sqlite') return undefined;
  // WatchpartyError, not commander's InvalidArgumentError: its message repeats the argument, password and all.
  const example = { hint: 'Use sqlite or postgres://USER@HOST:PORT/DATABASE.' };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new WatchpartyError('BAD_INPUT', 'the store is not a URL', example);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw new WatchpartyError('BAD_INPUT', `the store must be sqlite or a postgres:// URL, not ${url.protocol.slice(0, 20)}//…`, example);
  if ((url.password || url.searchParams.has('password')) && !allowPassword) {
    throw new WatchpartyError('BAD_INPUT', '--store holds a password, which ps would show to every user of this machine', { hint: 'Put it in PGPASSWORD or ~/.pgpass (or the whole URL in WATCHPARTY_STORE).' });
  }
  return value;
}
