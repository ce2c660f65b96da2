/**
 * How a client reaches the cluster: central only to register, log in or relocate; everything else
 * through its sub. `openSession` follows WRONG_SUB redirects, asks central where to go after losing a
 * sub, and gives up after a bounded number of failed attempts.
 */
import { dial, keepAlive, sleep } from '../../net/dial.js';
import { backoffMs, type BackoffPolicy } from '../../net/backoff.js';
import { type Result } from '../../net/messages.js';
import { ClientAcceptsFromServer } from '../../net/directions.js';
import type { Peer } from '../../net/peer.js';
import { WatchpartyError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { Profile } from './profile.js';
import { adoptVouchedPins, resolveTrust, type TrustOptions } from '../trust.js';
import { joinHostPort } from '../../net/tls.js';
import { afterFailure, centralList, learn, parseCentralHosts } from '../shared/central-list.js';

/** The original design's rule: after 5 failed attempts to reach a sub, go back to the login screen. */
export const MAX_SUB_ATTEMPTS = 5;
const SUB_BACKOFF: BackoffPolicy = { baseMs: 300, maxMs: 2000, jitter: 0.1 };
/**
 * A sub that answers no ping for this long is gone (frozen, or its machine lost) even though its socket
 * is open: the client moves on while mpv plays from its buffer.
 */
const SUB_KEEPALIVE_MS = 1000;
/** Unanswered pings in a row before the sub is left (a busy sub may miss one). */
const SUB_KEEPALIVE_MISSES = 2;
/** A sub that accepts the connection but does not answer hello in this long is frozen: try another. */
const SUB_DIAL_MS = 2500;
/** Codes that mean "this sub cannot serve me right now", worth another attempt elsewhere. */
const RETRYABLE = new Set(['UNREACHABLE', 'DISCONNECTED', 'TIMEOUT', 'NO_SUB', 'NOT_READY']);
/** Refusals of a certificate or of plain text: retrying cannot fix them, and they must be seen. */
const TRUST_ERRORS = new Set(['CERT_CHANGED', 'CERT_UNKNOWN', 'CERT_MISMATCH', 'TLS_REQUIRED']);

export interface Endpoint {
  host: string;
  port: number;
  /** How to trust central (pins in the profile); without it, plain text and no pinning. */
  trust?: TrustOptions;
  /** A leading central named the cluster's centrals: remember them (the profile keeps the list). */
  learned?: (centrals: readonly string[]) => void;
}

/** Whether this profile reaches central over TLS: then its subs must serve TLS too, never plain text. */
export function centralUsesTls(e: Endpoint): boolean {
  return Boolean(e.trust?.store.get(centralAddress(e))?.tls);
}

/** The dial option for a sub: its fingerprint, or plain text only where central is plain text too. */
export function subLink(e: Endpoint, sub: { subId?: string | undefined; subAddress: string; subFingerprint?: string | undefined }): { fingerprint?: string } {
  if (sub.subFingerprint) return { fingerprint: sub.subFingerprint };
  if (centralUsesTls(e)) {
    throw new WatchpartyError('TLS_REQUIRED', `your sub ${sub.subId ?? ''} at ${sub.subAddress} serves plain text while central uses TLS: refusing to send the session token unencrypted`.replace('  ', ' '), {
      hint: 'Restart that sub with TLS (the default when it binds beyond loopback, or --tls auto).',
    });
  }
  return {};
}

/** The first central of the endpoint (the one trust and messages are about when there is one). */
export function centralAddress(e: Endpoint): string {
  return centralsOf(e)[0]!;
}

/** Every central of the endpoint: `--host a,b:9000` names several when they share PostgreSQL. */
export function centralsOf(e: Endpoint): string[] {
  const all = parseCentralHosts(e.host, e.port);
  return all.length > 0 ? all : [joinHostPort(e.host, e.port)];
}

/** Tries of the centrals before giving up: each one twice, and a few more while a standby takes over. */
const CENTRAL_TRIES_PER_ADDRESS = 2;
const STANDBY_TRIES = 16;
const STANDBY_RETRY_MS = 250;

/**
 * Run `fn` on a fresh connection to the leading central, then close it. With several centrals, a standby
 * names the leader and we go there; one that cannot be reached is skipped (shared/central-list.ts).
 */
export async function withCentral<T>(endpoint: Endpoint, log: Logger, fn: (peer: Peer) => Promise<T>): Promise<T> {
  let list = centralList(centralsOf(endpoint));
  const several = list.addresses.length > 1;
  let failures = 0;
  let standbys = 0;
  for (;;) {
    const address = list.current;
    let dialed: Awaited<ReturnType<typeof dialCentral>>;
    try {
      dialed = await dialCentral(endpoint, address, log, several);
    } catch (err) {
      // Only reaching a leader is retried here, never the request itself (a register must not run twice).
      const e = err as WatchpartyError;
      // A central whose certificate nobody vouched for yet counts as unreachable while others remain.
      const retry = e.code === 'NOT_LEADER' || (several && (e.code === 'UNREACHABLE' || e.code === 'TIMEOUT' || e.code === 'DISCONNECTED' || e.code === 'CERT_UNKNOWN'));
      if (!retry) throw e;
      if (e.code === 'NOT_LEADER') standbys += 1;
      else failures += 1;
      if (failures >= CENTRAL_TRIES_PER_ADDRESS * list.addresses.length || standbys >= STANDBY_TRIES) {
        throw new WatchpartyError('UNREACHABLE', `no central leads at ${list.addresses.join(', ')} (${e.message})`, { hint: 'Is one of them running? A standby takes over within a few seconds of losing its leader.' });
      }
      list = afterFailure(list, e, Date.now());
      log.debug(`central at ${address}: ${e.message}; trying ${list.current}`);
      if (e.code === 'NOT_LEADER') await sleep(STANDBY_RETRY_MS);
      continue;
    }
    const { peer, hello, link } = dialed;
    if (hello.centrals?.length) endpoint.learned?.(learn(list, hello.centrals).addresses);
    if (endpoint.trust) adoptVouchedPins(endpoint.trust.store, Boolean(link.fingerprint), hello.pins, Date.now());
    try {
      return await fn(peer);
    } finally {
      peer.close(1000, 'done');
    }
  }
}

async function dialCentral(endpoint: Endpoint, address: string, log: Logger, several: boolean) {
  const connect = async () => {
    // --fingerprint names the first central's certificate; the others' are vouched for by the leader.
    const trust = endpoint.trust && address !== centralAddress(endpoint) ? { ...endpoint.trust, fingerprint: undefined } : endpoint.trust;
    const link: { fingerprint?: string } = trust ? await resolveTrust(address, trust) : {};
    return { ...(await dial({ address, name: 'central', role: 'client', accepts: ClientAcceptsFromServer, log, ...(several ? { timeoutMs: 2000 } : {}), ...link })), link };
  };
  return connect().catch((err: WatchpartyError) => {
    if (err.code === 'CERT_CHANGED') {
      throw new WatchpartyError('CERT_CHANGED', err.message, {
        hint: `If central really has a new certificate (new data folder, --tls-cert), compare the fingerprint it logs at start-up with the one above, then run "watchparty trust --reset ${address}" and connect again. Otherwise someone may be intercepting the connection: do not log in.`,
        details: err.details,
      });
    }
    if (err.code === 'UNREACHABLE') {
      throw new WatchpartyError('UNREACHABLE', `central server unreachable at ${address} — is it running?`, { hint: 'Start it with "watchparty central" (or "watchparty up"), or pass --host and --port.' });
    }
    throw err;
  });
}

export interface Session {
  peer: Peer;
  user: string;
  subId: string;
  subAddress: string;
  /** The sub's certificate fingerprint (absent: plain text). */
  subFingerprint?: string | undefined;
  /** Central's instance id as the sub reports it (keys the notification high-water mark). */
  instanceId: string;
}

export interface OpenOptions {
  endpoint: Endpoint;
  profile: Profile;
  log: Logger;
  maxAttempts?: number;
  /** Progress for status lines: "sub lost, moving to sub-2 (attempt 2/5)". */
  onProgress?: (message: string) => void;
  signal?: AbortSignal;
  /** The sub this client just lost (not one that moved it): ask central for another before trying it again. */
  lostSubId?: string;
}

/** Connect to the profile's sub with its token, relocating through central as needed. */
export async function openSession(opts: OpenOptions): Promise<Session> {
  const { profile, log } = opts;
  const token = profile.data.token;
  if (!token) throw new WatchpartyError('NOT_LOGGED_IN', `profile "${profile.name}" has no session`);
  const maxAttempts = opts.maxAttempts ?? MAX_SUB_ATTEMPTS;
  // Just lost that sub (it stopped answering): central names another before we wait on it again.
  const lost = opts.lostSubId !== undefined && opts.lostSubId === profile.data.subId;
  let subId = profile.data.subId;
  let address = lost ? undefined : profile.data.subAddress;
  let fingerprint = profile.data.subFingerprint;
  let askedForSubCert = false;
  let failures = 0;
  let redirects = 0;
  let last: WatchpartyError | undefined;
  // Set while central itself cannot be reached: then no sub can help, and that is what to tell the user.
  let centralDown: WatchpartyError | undefined;
  while (failures < maxAttempts && redirects <= maxAttempts) {
    if (opts.signal?.aborted) break;
    try {
      if (!address) ({ subId, subAddress: address, subFingerprint: fingerprint } = await locate(opts, token, lost ? subId : undefined));
      const link = subLink(opts.endpoint, { subAddress: address, subFingerprint: fingerprint });
      const { peer, hello } = await dial({ address, name: 'sub', role: 'client', accepts: ClientAcceptsFromServer, log, timeoutMs: SUB_DIAL_MS, ...link });
      let opened: Result<'session.open'>;
      try {
        opened = await peer.request('session.open', { token });
      } catch (err) {
        peer.close(1000, 'session refused');
        throw err;
      }
      peer.name = opened.subId;
      profile.update({ user: opened.user });
      profile.setPlacement({ subId: opened.subId, subAddress: opened.subAddress, subFingerprint: link.fingerprint });
      // A draining sub names our new sub before it lets us go: the next openSession goes straight there.
      peer.on('session.move', (m) => {
        log.info(`${opened.subId} moves us to ${m.subId}: ${m.reason}`);
        profile.setPlacement({ subId: m.subId, subAddress: m.subAddress, subFingerprint: m.subFingerprint });
      });
      keepAlive(peer, SUB_KEEPALIVE_MS, SUB_KEEPALIVE_MISSES);
      return { peer, user: opened.user, subId: opened.subId, subAddress: opened.subAddress, subFingerprint: link.fingerprint, instanceId: hello.instanceId };
    } catch (err) {
      const e = err instanceof WatchpartyError ? err : new WatchpartyError('INTERNAL', String(err));
      if (e.code === 'WRONG_SUB' && typeof e.details?.subAddress === 'string') {
        redirects += 1;
        subId = typeof e.details.subId === 'string' ? e.details.subId : undefined;
        address = e.details.subAddress;
        fingerprint = typeof e.details.subFingerprint === 'string' ? e.details.subFingerprint : undefined;
        opts.onProgress?.(`moving to ${String(e.details.subId)} at ${address}`);
        continue;
      }
      if (e.code === 'BAD_TOKEN') {
        profile.clearSession();
        throw e;
      }
      // A sub's certificate is vouched for by central: when it no longer matches, ask central once
      // for the current one (a sub that made a new certificate re-registered with it).
      if (e.code === 'CERT_CHANGED' && !askedForSubCert) {
        askedForSubCert = true;
        ({ subAddress: address, subFingerprint: fingerprint } = await locate(opts, token));
        continue;
      }
      if (!RETRYABLE.has(e.code)) throw e;
      last = e;
      failures += 1;
      if (failures >= maxAttempts) break;
      opts.onProgress?.(`cannot reach a sub-server (${e.message}); attempt ${failures + 1}/${maxAttempts}…`);
      await sleep(backoffMs(failures - 1, SUB_BACKOFF), opts.signal);
      // Ask central where to go now: after a failover it names the new sub.
      try {
        // Only a sub we could not reach at all is named: one that answered (NOT_READY…) is not frozen.
        const placement = await locate(opts, token, e.code === 'UNREACHABLE' || e.code === 'TIMEOUT' ? subId : undefined);
        centralDown = undefined;
        if (placement.subAddress !== address) opts.onProgress?.(`sub lost, moving to ${placement.subId}…`);
        subId = placement.subId;
        address = placement.subAddress;
        fingerprint = placement.subFingerprint;
      } catch (locErr) {
        const le = locErr as WatchpartyError;
        if (TRUST_ERRORS.has(le.code)) throw le;
        if (le.code === 'BAD_TOKEN') {
          profile.clearSession();
          throw le;
        }
        // NO_SUB / NOT_READY are answers: central is up. Only a failed connection means it is down.
        centralDown = le.code === 'UNREACHABLE' || le.code === 'TIMEOUT' || le.code === 'DISCONNECTED' ? le : undefined;
        log.debug(`locate failed: ${le.message}`);
      }
    }
  }
  if (centralDown) {
    throw new WatchpartyError('UNREACHABLE', `central at ${centralAddress(opts.endpoint)} is not reachable (${centralDown.message}), so no sub-server can let you in`, {
      hint: 'Is "watchparty central" running there? Start it again and retry: your account, videos and rooms are kept.',
    });
  }
  throw new WatchpartyError('SUB_GONE', `no sub-server is reachable after ${failures} attempts${last ? ` (last: ${last.message})` : ''}`);
}

/** Ask central where to connect; `unreachable`: the sub we could not reach, to be placed elsewhere. */
function locate(opts: OpenOptions, token: string, unreachable?: string) {
  return withCentral(opts.endpoint, opts.log, (central) => central.request('auth.locate', { token, ...(unreachable ? { unreachable } : {}) }));
}
