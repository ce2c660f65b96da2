/**
 * The client's loopback stream relay: mpv reads `http://127.0.0.1:PORT/<secret>/videos/<id>` (or
 * `/renditions/<id>`, a lighter copy) from its
 * own client, and the relay fetches the byte ranges mpv asks for from the user's sub (https with the
 * sub's pinned fingerprint, the token in an `Authorization` header). So the token is in no URL and no
 * command line, mpv never has to verify a self-signed certificate, and the source can change under
 * mpv: `setUpstream` points later requests at another sub holding the same verified bytes, and moves
 * every response under way there at the byte it had reached (a drain: mpv never notices). A response
 * that breaks (a sub killed) or stalls (a sub frozen) waits for the next upstream and continues from it
 * at the same offset, while mpv plays from its buffer.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../core/log.js';
import { pinnedConnection } from '../net/tls.js';

/** Where the bytes come from: a sub's `host:port`, its fingerprint when it serves TLS, and the session token. */
export interface Upstream {
  address: string;
  fingerprint?: string | undefined;
  token: string;
}

/** Response headers passed from the sub to mpv; everything else stays behind. */
const FORWARDED = ['content-type', 'content-length', 'content-range', 'accept-ranges', 'retry-after', 'cache-control'];
/** How long a broken response waits for an upstream to continue from (the client's failover takes less). */
const RESUME_WAIT_MS = 20_000;
/** Between attempts at the same upstream while no other is known (it may come back, e.g. restarted). */
const RESUME_RETRY_MS = 250;
/** An upstream that sends nothing this long while mpv is reading has stalled (a frozen sub). */
const STALL_MS = 4000;

/** A promise and the function that resolves it (Promise.withResolvers is Node 22). */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** A response under way: where its bytes come from, and how to move it elsewhere at its current byte. */
interface Flow {
  up: Upstream;
  move(): void;
}

export class StreamRelay {
  private upstream: Upstream;
  private readonly secret = crypto.randomBytes(18).toString('base64url');
  private readonly flows = new Set<Flow>();
  /** Resolved (and replaced) whenever the upstream changes: broken responses wait on it. */
  private changed = signal();

  private constructor(
    private readonly server: http.Server,
    upstream: Upstream,
    private readonly log: Logger | undefined,
    private readonly resumeWaitMs: number,
  ) {
    this.upstream = upstream;
  }

  /** Listen on 127.0.0.1 (a free port) in front of `upstream`; a broken response waits `resumeWaitMs` for a sub to continue from. */
  static async start(upstream: Upstream, log?: Logger, resumeWaitMs = RESUME_WAIT_MS): Promise<StreamRelay> {
    let relay: StreamRelay | undefined;
    const server = http.createServer((req, res) => relay!.serve(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    relay = new StreamRelay(server, upstream, log, resumeWaitMs);
    return relay;
  }

  /** The URL mpv opens for a video (or one of its renditions); it stays the same whichever sub serves the bytes. */
  url(videoId: number, kind: 'videos' | 'renditions' = 'videos'): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/${this.secret}/${kind}/${videoId}`;
  }

  /** Fetch from another sub from now on (same session token or a new one), responses under way included. */
  setUpstream(upstream: Upstream): void {
    this.upstream = upstream;
    const { resolve } = this.changed;
    this.changed = signal();
    resolve();
    for (const f of [...this.flows]) if (f.up.address !== upstream.address) f.move();
  }

  /** Responses under way (for tests and the status line). */
  get activeResponses(): number {
    return this.flows.size;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private serve(req: http.IncomingMessage, res: http.ServerResponse): void {
    const m = /^\/([A-Za-z0-9_-]{1,64})\/(videos|renditions)\/(\d{1,12})$/.exec(req.url ?? '');
    if (!m || !sameSecret(m[1]!, this.secret)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const range = typeof req.headers.range === 'string' && req.headers.range.length <= 200 ? req.headers.range : undefined;
    this.forward(req.method, `/${m[2]}/${m[3]}`, range, res, performance.now() + this.resumeWaitMs);
  }

  /**
   * A response broke at `at`: continue it from the upstream as soon as there is one to try (a new one at
   * once; the same one again after a short wait), until `giveUpAt`.
   */
  private async resume(method: string, path: string, range: string | undefined, res: http.ServerResponse, giveUpAt: number, at: { offset: number; end: number }, failed: Upstream): Promise<void> {
    if (this.upstream === failed) {
      const wait = Math.min(RESUME_RETRY_MS, giveUpAt - performance.now());
      if (wait <= 0 || res.destroyed) {
        this.log?.warn(`stream relay: no sub to continue from at byte ${at.offset}`);
        res.destroy();
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.changed.promise, new Promise<void>((r) => (timer = setTimeout(r, wait)))]);
      clearTimeout(timer);
    }
    if (res.destroyed) return;
    this.forward(method, path, range, res, giveUpAt, at);
  }

  /** One upstream request; when it breaks, stalls or is moved mid-body, the rest comes from the next upstream. */
  private forward(method: string, path: string, range: string | undefined, res: http.ServerResponse, giveUpAt: number, at?: { offset: number; end: number }): void {
    const up = this.upstream;
    const headers: Record<string, string> = { authorization: `Bearer ${up.token}` };
    const rangeHeader = at ? `bytes=${at.offset}-${at.end}` : range;
    if (rangeHeader) headers.range = rangeHeader;
    const [host, port] = splitAddress(up.address);
    const options: https.RequestOptions = { host, port, path, method, headers, ...(up.fingerprint ? { createConnection: pinnedConnection(up.fingerprint, 'your sub') as never } : {}) };
    const request = (up.fingerprint ? https.request : http.request)(options, (upRes) => {
      if (at) {
        // A continuation must be exactly the rest of what mpv is already receiving.
        if (upRes.statusCode !== 206 || !upRes.headers['content-range']?.startsWith(`bytes ${at.offset}-`)) {
          // Not (yet) served there, e.g. the new sub has not heard of the move: try again until giveUpAt.
          this.log?.debug(`stream relay: ${up.address} could not continue at byte ${at.offset} (${upRes.statusCode})`);
          upRes.resume();
          void this.resume(method, path, range, res, giveUpAt, at, up);
          return;
        }
      } else {
        const out: Record<string, string> = {};
        for (const h of FORWARDED) if (typeof upRes.headers[h] === 'string') out[h] = upRes.headers[h] as string;
        res.writeHead(upRes.statusCode ?? 502, out);
      }
      const span = at ?? spanOf(upRes);
      let sent = 0;
      let why = 'broke off';
      // Stalled: nothing from upstream for STALL_MS while mpv was ready for more.
      const stall = setInterval(() => {
        if (performance.now() - lastData > STALL_MS && !res.writableNeedDrain) {
          why = 'stalled';
          upRes.destroy();
        }
      }, 1000);
      let lastData = performance.now();
      const flow: Flow = {
        up,
        move: () => {
          why = 'moved';
          upRes.destroy();
        },
      };
      this.flows.add(flow);
      upRes.on('data', (chunk: Buffer) => {
        lastData = performance.now();
        sent += chunk.length;
        if (!res.write(chunk)) {
          upRes.pause();
          res.once('drain', () => {
            lastData = performance.now();
            upRes.resume();
          });
        }
      });
      upRes.once('end', () => res.end());
      upRes.once('error', () => {});
      upRes.once('close', () => {
        clearInterval(stall);
        this.flows.delete(flow);
        if (upRes.complete) return;
        const next = span && span.offset + sent <= span.end ? { offset: span.offset + sent, end: span.end } : undefined;
        if (!next || res.destroyed) {
          res.destroy();
          return;
        }
        if (why === 'moved') this.log?.info(`stream relay: moving the stream to ${this.upstream.address} at byte ${next.offset}`);
        else this.log?.info(`stream relay: ${up.address} ${why} at byte ${next.offset}; continuing from the next sub`);
        // A move or a fresh failover continues at once; a break waits for the client to find a sub.
        void this.resume(method, path, range, res, why === 'moved' ? giveUpAt : Math.max(giveUpAt, performance.now() + this.resumeWaitMs), next, up);
      });
    });
    request.on('error', (err: Error) => {
      if (at && !res.destroyed) {
        // Continuing: this sub cannot be reached (yet); wait for another rather than fail mpv's read.
        this.log?.debug(`stream relay: ${up.address} unreachable (${err.message}); waiting for another sub`);
        void this.resume(method, path, range, res, giveUpAt, at, up);
        return;
      }
      this.log?.warn(`stream relay: ${up.address}${path}: ${err.message}`);
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(`cannot fetch from your sub: ${err.message}\n`);
      else res.destroy();
    });
    res.once('close', () => request.destroy());
    request.end();
  }
}

/** The byte span a GET response covers, from its Content-Range or Content-Length. */
function spanOf(res: http.IncomingMessage): { offset: number; end: number } | undefined {
  if (res.statusCode === 206) {
    const m = /^bytes (\d+)-(\d+)\//.exec(res.headers['content-range'] ?? '');
    return m ? { offset: Number(m[1]), end: Number(m[2]) } : undefined;
  }
  const length = Number(res.headers['content-length']);
  return res.statusCode === 200 && Number.isSafeInteger(length) && length > 0 ? { offset: 0, end: length - 1 } : undefined;
}

function splitAddress(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i).replace(/^\[|\]$/g, ''), Number(address.slice(i + 1))];
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}
