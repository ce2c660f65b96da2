/**
 * How a client or a sub decides to trust central: the pin remembered for that address (scheme and
 * fingerprint), or, on first contact, a TLS probe and the pure decision in shared/pin-policy.ts. The
 * answer is what `dial` needs: a fingerprint to pin, or none for plain text.
 */
import fs from 'node:fs';
import path from 'node:path';
import { WatchpartyError } from '../core/errors.js';
import { isLoopback, probeFingerprint, splitHostPort } from '../net/tls.js';
import { decidePin, decidePlain } from './shared/pin-policy.js';

/** What is remembered about one server: whether it speaks TLS, and its certificate's fingerprint. */
export interface PinRecord {
  tls: boolean;
  fingerprint?: string;
  pinnedAtMs: number;
}

/** Where pins live: the client's profile, or a sub's data folder. */
export interface PinStore {
  get(address: string): PinRecord | undefined;
  set(address: string, record: PinRecord): void;
}

export interface TrustOptions {
  store: PinStore;
  /** `--fingerprint SHA256:…`, checked against what the server shows on first contact. */
  fingerprint?: string | undefined;
  /** A fingerprint another trusted source gives (the certificate of a central on this machine). */
  vouched?: string | undefined;
  /** WATCHPARTY_TRUST_NEW=1: pin a new certificate without asking. */
  envTrust: boolean;
  /** `--insecure`: allow plain text to a server that is not on loopback. */
  insecure: boolean;
  /** Ask a person (absent: no terminal). Resolves true to trust. */
  ask?: ((question: string) => Promise<boolean>) | undefined;
  /** What the server is called in messages: `central`. */
  what: string;
  nowMs?: () => number;
}

/**
 * Pin the certificates a leading central vouches for (hello's `pins`: the other centrals of its cluster),
 * for addresses not pinned yet, so that a sub or client follows a failover to a central it never met.
 * Taken only over a link that is itself TLS with a pinned certificate, never over plain text; a pin
 * already held is never replaced this way. Returns the addresses pinned.
 */
export function adoptVouchedPins(store: PinStore, overPinnedTls: boolean, pins: readonly { address: string; fingerprint: string }[] | undefined, nowMs: number): string[] {
  if (!overPinnedTls || !pins) return [];
  const added: string[] = [];
  for (const { address, fingerprint } of pins) {
    if (store.get(address)) continue;
    store.set(address, { tls: true, fingerprint, pinnedAtMs: nowMs });
    added.push(address);
  }
  return added;
}

/** The dial option for `address`: `{ fingerprint }` for TLS, `{}` for plain text. Pins on first contact. */
export async function resolveTrust(address: string, opts: TrustOptions): Promise<{ fingerprint?: string }> {
  const known = opts.store.get(address);
  if (known) {
    if (!known.tls) return {};
    if (opts.fingerprint && opts.fingerprint !== known.fingerprint) {
      throw new WatchpartyError('CERT_MISMATCH', `${opts.what} at ${address} is pinned as ${known.fingerprint}, not ${opts.fingerprint}`, {
        hint: `If ${opts.what} really has a new certificate, run "watchparty trust --reset ${address}" first.`,
      });
    }
    return { fingerprint: known.fingerprint! };
  }
  const probe = await probeFingerprint(address).catch((err: Error & { code?: string }) => {
    throw new WatchpartyError('UNREACHABLE', `Cannot reach ${opts.what} at ${address} (${err.code === 'ECONNREFUSED' ? 'connection refused' : err.message}).`, { cause: err });
  });
  const now = opts.nowMs?.() ?? Date.now();
  if (probe.kind === 'no-tls') {
    if (decidePlain({ loopback: isLoopback(splitHostPort(address).host), insecure: opts.insecure }) === 'refuse') {
      throw new WatchpartyError('TLS_REQUIRED', `${opts.what} at ${address} does not speak TLS, and it is not on this machine: refusing to send passwords and tokens in plain text`);
    }
    opts.store.set(address, { tls: false, pinnedAtMs: now });
    return {};
  }
  const seen = probe.fingerprint;
  const decision = decidePin({ pinned: undefined, seen, flag: opts.fingerprint, vouched: opts.vouched === seen, envTrust: opts.envTrust, interactive: Boolean(opts.ask) });
  switch (decision) {
    case 'refuse-mismatch':
      throw new WatchpartyError('CERT_MISMATCH', `${opts.what} at ${address} shows certificate ${seen}, not ${opts.fingerprint}`);
    case 'refuse-unknown':
      throw new WatchpartyError('CERT_UNKNOWN', `${opts.what} at ${address} shows certificate ${seen}, which is not trusted yet, and there is no terminal to ask`);
    case 'prompt': {
      const yes = await opts.ask!(`${opts.what} at ${address} is not known yet. Its certificate is\n  ${seen}\nCompare it with the fingerprint ${opts.what} logs at start-up. Trust it? [y/N] `);
      if (!yes) throw new WatchpartyError('CERT_UNKNOWN', `not trusting ${opts.what} at ${address} (certificate ${seen})`, { hint: 'Run the command again and answer y once you have compared the fingerprint.' });
      break;
    }
    case 'pin':
    case 'known':
    case 'refuse-changed':
      // known/changed cannot happen here (nothing was pinned); pin covers vouched, flag and env.
      break;
  }
  opts.store.set(address, { tls: true, fingerprint: seen, pinnedAtMs: now });
  return { fingerprint: seen };
}

/** Pins kept in one JSON file (a sub's `central-pin.json`), written 0600 with a rename. */
export function filePinStore(file: string): PinStore {
  const read = (): Record<string, PinRecord> => {
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, PinRecord>;
    } catch {
      return {};
    }
  };
  return {
    get: (address) => read()[address],
    set: (address, record) => {
      const all = { ...read(), [address]: record };
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify(all, null, 2) + '\n', { mode: 0o600 });
      fs.renameSync(tmp, file);
    },
  };
}
