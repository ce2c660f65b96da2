/**
 * The cluster secret a sub must present to central. Never optional: central creates a random one on
 * first start (kept 0600 in its data folder); subs read it from a file or WATCHPARTY_SECRET, never
 * from their command line, where `ps` would show it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { isDiskFull, WatchpartyError } from '../core/errors.js';

/** Where the secret came from, for the log line (which never holds the secret itself). */
export interface ClusterSecret {
  secret: string;
  source: string;
}

/** Longest secret a sub can send (sub.register's schema allows 1024 characters). */
const MAX_SECRET_CHARS = 1024;

function check(secret: string, source: string): ClusterSecret {
  const s = secret.trim();
  if (s.length === 0) throw new WatchpartyError('NO_SECRET', `the cluster secret in ${source} is empty`);
  if (s.length > MAX_SECRET_CHARS) throw new WatchpartyError('BAD_INPUT', `the cluster secret in ${source} is longer than ${MAX_SECRET_CHARS} characters`);
  return { secret: s, source };
}

/** Read a secret file; a missing or unreadable file is a usage error that names it. */
export function readSecretFile(file: string): ClusterSecret {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new WatchpartyError('NO_SECRET', `cannot read the cluster secret file ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return check(text, file);
}

/** The secret file of a central whose data folder is `dataDir`. */
export function secretFileOf(dataDir: string): string {
  return path.join(dataDir, 'secret');
}

/**
 * Central's secret: `--secret-file`, else WATCHPARTY_SECRET, else `<data>/secret`, created with 32
 * random bytes (mode 0600) when it does not exist yet.
 */
export function centralSecret(dataDir: string, given: { file?: string; env?: string }): ClusterSecret & { created: boolean } {
  if (given.file) return { ...readSecretFile(given.file), created: false };
  if (given.env) return { ...check(given.env, 'WATCHPARTY_SECRET'), created: false };
  const file = secretFileOf(dataDir);
  fs.mkdirSync(dataDir, { recursive: true });
  try {
    fs.writeFileSync(file, crypto.randomBytes(32).toString('base64url') + '\n', { flag: 'wx', mode: 0o600 });
    return { ...readSecretFile(file), created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      // A half-written secret would be refused as empty on every later start: leave none.
      fs.rmSync(file, { force: true });
      if (isDiskFull(err)) throw new WatchpartyError('NO_SPACE', `the disk holding ${dataDir} is full: central cannot create its cluster secret`, { hint: 'Free some space there (or pick another --data folder) and start central again.', cause: err });
      throw err;
    }
  }
  fs.chmodSync(file, 0o600);
  return { ...readSecretFile(file), created: false };
}

/** A sub's secret: `--secret-file`, else WATCHPARTY_SECRET, else the local central's file if there is one. */
export function subSecret(given: { file?: string; env?: string; localCentralFile: string }): ClusterSecret {
  if (given.file) return readSecretFile(given.file);
  if (given.env) return check(given.env, 'WATCHPARTY_SECRET');
  if (fs.existsSync(given.localCentralFile)) return readSecretFile(given.localCentralFile);
  throw new WatchpartyError('NO_SECRET', `no cluster secret given, and no local central's secret at ${given.localCentralFile}`);
}
