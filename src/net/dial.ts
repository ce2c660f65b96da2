/** Connect to a watchparty server, say hello, and hand back a ready Peer. */
import WebSocket from 'ws';
import { Peer } from './peer.js';
import { CLUSTER_LIMITS } from './flow.js';
import { FRAME_LIMITS } from './frame.js';
import { OLDEST_PROTOCOL, PROTOCOL_VERSION, type Result } from './messages.js';
import { type Accepts } from './directions.js';
import { WatchpartyError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { VERSION } from '../version.js';
import { isLoopback, isNotTlsError, pinnedConnection, splitHostPort } from './tls.js';

export interface DialOptions {
  /** `host:port` of the server. */
  address: string;
  /** What we call the other end in logs and error messages: `central`, `sub sub-2`. */
  name: string;
  role: 'sub' | 'client';
  accepts: Accepts;
  log: Logger;
  timeoutMs?: number;
  /** Connect with TLS and accept only a certificate with this fingerprint (`SHA256:…`); plain ws:// without. */
  fingerprint?: string;
}

/** Turn a socket error into a sentence a person can act on. */
function describeConnectError(err: Error & { code?: string }): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'unknown host';
    case 'ETIMEDOUT':
      return 'timed out';
    case 'ECONNRESET':
      return 'connection reset';
    default:
      return err.message;
  }
}

function onLoopback(address: string): boolean {
  try {
    return isLoopback(splitHostPort(address).host);
  } catch {
    return false;
  }
}

/** Open a WebSocket to `address`, exchange hello, and resolve with the peer and the server's hello. */
export async function dial(opts: DialOptions): Promise<{ peer: Peer; hello: Result<'hello'> }> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const ws = new WebSocket(`${opts.fingerprint ? 'wss' : 'ws'}://${opts.address}/`, {
    maxPayload: FRAME_LIMITS.maxFrameBytes,
    perMessageDeflate: false,
    handshakeTimeout: timeoutMs,
    // RFC 6455 masks client frames so that a browser script cannot smuggle bytes that a plain-text proxy
    // would parse as HTTP. Inside TLS or on loopback no intermediary reads them, and an all-zero mask (still
    // a masked frame) spares a copy of every chunk; plain text across a network keeps random masks.
    ...(opts.fingerprint || onLoopback(opts.address) ? { generateMask: (mask: Buffer) => void mask.fill(0) } : {}),
    ...(opts.fingerprint ? { createConnection: pinnedConnection(opts.fingerprint, opts.name) as never } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new WatchpartyError('UNREACHABLE', `Cannot reach ${opts.name} at ${opts.address} (timed out after ${timeoutMs} ms).`));
    }, timeoutMs);
    ws.once('open', () => {
      clearTimeout(timer);
      resolve();
    });
    ws.once('error', (err: Error & { code?: string }) => {
      clearTimeout(timer);
      if (err instanceof WatchpartyError) return reject(err);
      if (opts.fingerprint && isNotTlsError(err)) {
        return reject(new WatchpartyError('TLS_REQUIRED', `${opts.name} at ${opts.address} used TLS before and now answers without it: refusing plain text`, { cause: err }));
      }
      reject(new WatchpartyError('UNREACHABLE', `Cannot reach ${opts.name} at ${opts.address} (${describeConnectError(err)}).`, { cause: err }));
    });
  });
  // We chose this server: it is not policed like an anonymous peer (never paused, see CLUSTER_LIMITS).
  const peer = new Peer(ws, { name: opts.name, accepts: opts.accepts, log: opts.log, limits: CLUSTER_LIMITS });
  ws.on('unexpected-response', () => {});
  try {
    const hello = await peer.request('hello', { protocol: PROTOCOL_VERSION, oldest: OLDEST_PROTOCOL, role: opts.role, version: VERSION }, { timeoutMs });
    return { peer, hello };
  } catch (err) {
    peer.close(1000, 'hello failed');
    throw err;
  }
}

/** Wait until a peer's connection closes (or the timeout passes, if given). */
export function waitClosed(peer: Peer): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => peer.onceClosed((code, reason) => resolve({ code, reason })));
}

/**
 * Ping the server every `intervalMs`; after `misses` whole intervals without a pong, terminate the socket
 * so the close handler (and reconnect logic) runs even when the server vanished (or froze) without a FIN.
 */
export function keepAlive(peer: Peer, intervalMs: number, misses = 1): void {
  let missed = 0;
  peer.ws.on('pong', () => {
    missed = 0;
  });
  const timer = setInterval(() => {
    // A socket we paused reads no pongs; that is not a dead server (see the same rule in server.ts).
    if (peer.ws.isPaused) {
      missed = 0;
      return;
    }
    // `missed` pings are out without a pong: that many intervals of silence.
    if (missed >= misses) {
      peer.ws.terminate();
      return;
    }
    missed += 1;
    try {
      peer.ws.ping();
    } catch {
      /* closing already */
    }
  }, intervalMs);
  timer.unref();
  peer.onceClosed(() => clearInterval(timer));
}

/** Sleep that a stop signal can cut short. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
