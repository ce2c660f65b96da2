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
    const job: Job = { method: req.method, path: `/${m[2]}/${m[3]}`, range, res, giveUpAt: performance.now() + this.resumeWaitMs };
    // One listener for the whole life of mpv's request, whichever upstream request is current.
    res.once('close', () => job.request?.destroy());
    this.forward(job);
  }

  /**
   * Try again: at once when the upstream changed (or after a move), else the same one after a short
   * wait for a change, until `job.giveUpAt`; then mpv's request fails (502 before its first byte).
   */
  private async resume(job: Job, at: Span | undefined, failed: Upstream, moved: boolean): Promise<void> {
    if (!moved && this.upstream === failed) {
      const wait = Math.min(RESUME_RETRY_MS, job.giveUpAt - performance.now());
      if (wait <= 0 || job.res.destroyed) {
        this.log?.warn(`stream relay: no sub to ${at ? `continue from at byte ${at.offset}` : 'fetch from'}`);
        if (job.res.headersSent) job.res.destroy();
        else job.res.writeHead(502, { 'content-type': 'text/plain' }).end('cannot fetch from any sub\n');
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.changed.promise, new Promise<void>((r) => (timer = setTimeout(r, wait)))]);
      clearTimeout(timer);
    }
    if (job.res.destroyed) return;
    this.forward(job, at);
  }

  /**
   * One upstream request for mpv's `job` (its start, or its rest from `at`). Whatever ends it early — a
   * break, a stall (no headers or no bytes for STALL_MS while mpv reads), a move — decides once what
   * follows: the rest from the next upstream at the byte reached, or the end of mpv's response.
   */
  private forward(job: Job, at?: Span): void {
    const up = this.upstream;
    const headers: Record<string, string> = { authorization: `Bearer ${up.token}` };
    const rangeHeader = at ? `bytes=${at.offset}-${at.end}` : job.range;
    if (rangeHeader) headers.range = rangeHeader;
    const [host, port] = splitAddress(up.address);
    let upRes: http.IncomingMessage | undefined;
    let span = at;
    let sent = 0;
    let why: 'broke off' | 'stalled' | 'moved' | 'unreachable' = 'broke off';
    let lastData = performance.now();
    let settled = false;
    const abort = () => (upRes ? upRes.destroy() : request.destroy());
    const flow: Flow = {
      up,
      move: () => {
        why = 'moved';
        abort();
      },
    };
    this.flows.add(flow);
    const timer = setInterval(() => {
      if (performance.now() - lastData > STALL_MS && !job.res.writableNeedDrain) {
        why = upRes ? 'stalled' : 'unreachable';
        abort();
      }
    }, 500);
    /** The first of end, close and error to come decides; the others find it settled. */
    const settle = () => {
      if (settled) return false;
      settled = true;
      clearInterval(timer);
      this.flows.delete(flow);
      return true;
    };
    const options: https.RequestOptions = { host, port, path: job.path, method: job.method, headers, ...(up.fingerprint ? { createConnection: pinnedConnection(up.fingerprint, 'your sub') as never } : {}) };
    const request = (up.fingerprint ? https.request : http.request)(options, (r) => {
      upRes = r;
      lastData = performance.now();
      if (at) {
        // A continuation must be exactly the rest of what mpv is already receiving, of the same file.
        const want = `bytes ${at.offset}-${at.end}/${job.total ?? ''}`;
        const got = r.headers['content-range'] ?? '';
        if (r.statusCode !== 206 || !(job.total !== undefined ? got === want : got.startsWith(`bytes ${at.offset}-${at.end}/`))) {
          // Not (yet) served there, e.g. a replica still being checked: try again until giveUpAt.
          this.log?.debug(`stream relay: ${up.address} could not continue at byte ${at.offset} (${r.statusCode} ${got})`);
          r.resume();
          if (settle()) void this.resume(job, at, up, false);
          return;
        }
      } else {
        const out: Record<string, string> = {};
        for (const h of FORWARDED) if (typeof r.headers[h] === 'string') out[h] = r.headers[h] as string;
        job.res.writeHead(r.statusCode ?? 502, out);
        span = spanOf(r);
        job.total = totalOf(r);
      }
      r.on('data', (chunk: Buffer) => {
        lastData = performance.now();
        sent += chunk.length;
        if (!job.res.write(chunk)) {
          r.pause();
          job.res.once('drain', () => {
            lastData = performance.now();
            r.resume();
          });
        }
      });
      r.once('end', () => {
        if (settle()) job.res.end();
      });
      r.once('error', () => {});
      r.once('close', () => {
        if (!settle()) return;
        // Ended early. Its bytes may all be here already (a move while mpv was not reading): then done.
        if (span && span.offset + sent > span.end) {
          job.res.end();
          return;
        }
        const next = span && !job.res.destroyed ? { offset: span.offset + sent, end: span.end } : undefined;
        if (!next) {
          job.res.destroy();
          return;
        }
        // A move, or a response that made progress, gets a fresh wait; one that keeps failing does not.
        if (why === 'moved' || sent > 0) job.giveUpAt = Math.max(job.giveUpAt, performance.now() + this.resumeWaitMs);
        if (why === 'moved') this.log?.info(`stream relay: moving the stream to ${this.upstream.address} at byte ${next.offset}`);
        else this.log?.info(`stream relay: ${up.address} ${why} at byte ${next.offset}; continuing from the next sub`);
        void this.resume(job, next, up, why === 'moved');
      });
    });
    job.request = request;
    request.on('error', (err: Error) => {
      // Once a response exists, its close decides (a socket error mid-body also closes it).
      if (upRes || !settle() || job.res.destroyed) return;
      this.log?.debug(`stream relay: ${up.address}${job.path}: ${why === 'broke off' ? err.message : why}`);
      if (why === 'moved') job.giveUpAt = Math.max(job.giveUpAt, performance.now() + this.resumeWaitMs);
      // Before any byte, as after some: wait for a sub rather than fail mpv's read.
      void this.resume(job, at, up, why === 'moved');
    });
    request.end();
  }
}

/** One request of mpv's, across the upstream requests that serve it. */
interface Job {
  method: string;
  path: string;
  range: string | undefined;
  res: http.ServerResponse;
  /** When waiting for a sub to continue from stops (moved on by progress and by moves). */
  giveUpAt: number;
  /** The file's size as the first response gave it: a continuation must be of the same file. */
  total?: number | undefined;
  request?: http.ClientRequest;
}

/** Inclusive byte span. */
interface Span {
  offset: number;
  end: number;
}

/** The total size in a Content-Range (`bytes a-b/total`) or a whole response's length. */
function totalOf(res: http.IncomingMessage): number | undefined {
  const m = /\/(\d+)$/.exec(res.headers['content-range'] ?? '');
  if (m) return Number(m[1]);
  const length = Number(res.headers['content-length']);
  return res.statusCode === 200 && Number.isSafeInteger(length) ? length : undefined;
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
