/** What every client command shares: --host/--port/--profile, the profile's logger, a session. */
import fs from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import chalk from 'chalk';
import { createLogger, formatLine, type Logger } from '../../core/log.js';
import { WatchpartyError } from '../../core/errors.js';
import { parseHosts, parsePort } from '../../cli-options.js';
import { Profile } from './profile.js';
import { centralAddress, openSession, type Endpoint, type Session } from './connect.js';
import { CloseCode } from '../../net/messages.js';
import { sleep } from '../../net/dial.js';
import { promptHidden, readStdinLines } from './password.js';
import { envTrustsNew } from '../shared/pin-policy.js';
import { parseFingerprint } from '../tls-options.js';
import { promptYesNo } from './prompt.js';

export interface CommonOptions {
  host?: string;
  port?: number;
  profile: string;
  json?: boolean;
  fingerprint?: string;
  insecure?: boolean;
}

/** The client logs to a file beside its profile: the terminal belongs to the output (or the TUI). */
export function clientLogger(profile: Profile): Logger {
  const file = path.join(path.dirname(profile.path), `${profile.name}.log`);
  const level = process.env.WATCHPARTY_LOG === 'debug' ? 'debug' : 'info';
  return createLogger('client', (r) => {
    try {
      fs.appendFileSync(file, formatLine(r) + '\n');
    } catch {
      /* logging must never break a command */
    }
  }, level);
}

export function common(cmd: Command): Command {
  return cmd
    .addOption(new Option('-H, --host <hosts>', "central's host, or every central's (a,b:9000) when they share PostgreSQL (default: the profile's, else localhost)").argParser(parseHosts))
    .addOption(new Option('-p, --port <port>', "central's port (default: the profile's, else 8000)").argParser(parsePort))
    .addOption(new Option('--profile <name>', 'which saved user/session to use').default(process.env.WATCHPARTY_PROFILE ?? 'default'))
    .addOption(new Option('--fingerprint <SHA256:…>', "on first contact, trust central only if its certificate has this fingerprint").argParser(parseFingerprint))
    .option('--insecure', 'allow plain text to a central that is not on this machine (first contact only)');
}

export function context(o: CommonOptions): { profile: Profile; endpoint: Endpoint; log: Logger } {
  const profile = new Profile(o.profile);
  const interactive = Boolean(process.stdin.isTTY && process.stderr.isTTY);
  const endpoint: Endpoint = {
    host: o.host ?? profile.data.host ?? 'localhost',
    port: o.port ?? profile.data.port ?? 8000,
    trust: {
      store: profile.pins,
      fingerprint: o.fingerprint,
      envTrust: envTrustsNew(process.env.WATCHPARTY_TRUST_NEW),
      insecure: Boolean(o.insecure),
      ask: interactive ? promptYesNo : undefined,
      what: 'central',
    },
    // The leader names every central of the cluster: the profile remembers them for the next failover.
    learned: (centrals) => {
      const host = centrals.join(',');
      if (profile.data.token && profile.data.host !== host && centrals.includes(centralAddress(endpoint))) profile.update({ host });
    },
  };
  return { profile, endpoint, log: clientLogger(profile) };
}

export function out(line: string): void {
  process.stdout.write(line + '\n');
}

export async function readPasswords(usePipe: boolean | undefined, ask: string[]): Promise<string[]> {
  if (usePipe) {
    const lines = await readStdinLines();
    if (!lines[0]) throw new WatchpartyError('INVALID_PASSWORD', 'the password read from stdin is empty');
    return ask.map((_, i) => lines[i] || lines[0]!);
  }
  const answers: string[] = [];
  for (const q of ask) answers.push(await promptHidden(q));
  return answers;
}

/** Open the profile's session, run `fn`, close. */
export async function withSession<T>(o: CommonOptions, fn: (s: Session, profile: Profile) => Promise<T>): Promise<T> {
  const { profile, endpoint, log } = context(o);
  const session = await openSession({ endpoint, profile, log, onProgress: (m) => process.stderr.write(chalk.dim(m) + '\n') });
  try {
    return await fn(session, profile);
  } finally {
    session.peer.close(1000, 'done');
  }
}

/**
 * Stay connected until SIGINT/SIGTERM, through failovers and drains: open a session, let `attach` set
 * it up (it prints what it says it follows), wait for the link to end, and start again on the next sub
 * (the one central or a draining sub names). One loop for every `--follow`.
 */
export async function followSessions(o: CommonOptions, attach: (s: Session) => Promise<string>): Promise<void> {
  const { profile, endpoint, log } = context(o);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let lostSubId: string | undefined;
  try {
    while (!stop.signal.aborted) {
      const s = await openSession({ endpoint, profile, log, signal: stop.signal, onProgress: (m) => process.stderr.write(chalk.dim(m) + '\n'), ...(lostSubId ? { lostSubId } : {}) });
      process.stderr.write(chalk.dim(`${await attach(s)}\n`));
      const code = await new Promise<number | undefined>((resolve) => {
        s.peer.onceClosed((c) => resolve(c));
        stop.signal.addEventListener('abort', () => resolve(undefined), { once: true });
      });
      if (stop.signal.aborted) {
        s.peer.close(1000, 'bye');
        break;
      }
      lostSubId = code === CloseCode.moved ? undefined : s.subId;
      process.stderr.write(chalk.yellow(code === CloseCode.moved ? `${s.subId} is draining; moving…\n` : `lost ${s.subId}; reconnecting…\n`));
      await sleep(100, stop.signal);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
