/**
 * Account rules and password hashing. Names and passwords are checked here with messages that say
 * what is wrong; hashes are scrypt with a per-user random salt, compared in constant time.
 */
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import os from 'node:os';
import { WatchpartyError } from '../../core/errors.js';
import { Gate } from '../../core/gate.js';

const scrypt = promisify(crypto.scrypt) as (password: string, salt: Buffer, keylen: number, opts: crypto.ScryptOptions) => Promise<Buffer>;

/** N=2^15 costs ~50 ms here: slow for an attacker's dictionary, fine for one login. */
const SCRYPT = { keylen: 64, opts: { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } };
export const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,32}$/;
export const MAX_PASSWORD_CHARS = 256;

/** Throw INVALID_NAME (with the offending name) unless `name` follows the rules. */
export function checkName(name: string): void {
  if (!NAME_PATTERN.test(name)) {
    const shown = JSON.stringify(name.length > 40 ? name.slice(0, 40) + '…' : name);
    const why = name.length === 0 ? 'is empty' : name.length > 32 ? `is ${name.length} characters long (at most 32)` : 'contains characters other than letters, digits, "_", "." and "-"';
    throw new WatchpartyError('INVALID_NAME', `invalid user name ${shown}: it ${why}`);
  }
}

export function checkPassword(password: string): void {
  // Count characters (code points) of the normalised form, which is what gets hashed.
  const chars = [...password.normalize('NFC')].length;
  if (chars === 0) throw new WatchpartyError('INVALID_PASSWORD', 'the password is empty');
  if (chars > MAX_PASSWORD_CHARS) throw new WatchpartyError('INVALID_PASSWORD', `the password is ${chars} characters long (at most ${MAX_PASSWORD_CHARS})`);
}

/**
 * Hashes at once: all cores but one (at least one), so that a login storm leaves a core to the rooms
 * (bench/scale: 200 logins at once on 2 cores took the room fan-out's p99 from 0.1 to 2 s when the four
 * libuv threads all hashed). Up to MAX_WAITING_HASHES wait their turn; more are refused.
 */
const HASHES_AT_ONCE = Math.max(1, os.availableParallelism() - 1);
export const MAX_WAITING_HASHES = 500;
const hashGate = new Gate(HASHES_AT_ONCE, MAX_WAITING_HASHES);
/** N=2^15 takes ~50 ms of one core: how long one waiting hash holds up the line, roughly. */
const HASH_MS = 60;

export async function hashPassword(password: string, salt: Buffer = crypto.randomBytes(16)): Promise<{ salt: Buffer; hash: Buffer }> {
  const busy = () => new WatchpartyError('RATE_LIMITED', `central is checking ${hashGate.queued} passwords already: try again in ${Math.ceil((hashGate.queued * HASH_MS) / HASHES_AT_ONCE / 1000)} s`);
  const hash = await hashGate.run(() => scrypt(password.normalize('NFC'), salt, SCRYPT.keylen, SCRYPT.opts), busy);
  return { salt, hash };
}

export async function verifyPassword(password: string, salt: Buffer, expected: Buffer): Promise<boolean> {
  const { hash } = await hashPassword(password, salt);
  return hash.length === expected.length && crypto.timingSafeEqual(hash, expected);
}

/** A session token: 32 random bytes, URL-safe so it can ride in a query string for mpv. */
export function newToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/** Constant-time comparison of two secrets of any length. */
export function secretsEqual(a: string, b: string): boolean {
  const da = crypto.createHash('sha256').update(a).digest();
  const db = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(da, db);
}
