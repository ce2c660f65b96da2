/**
 * The client's loopback stream relay: mpv reads `http://127.0.0.1:PORT/<secret>/videos/<id>` (or
 * `/renditions/<id>`, a lighter copy) from its
 * own client, and the relay fetches the byte ranges mpv asks for from the user's sub (https with the
 * sub's pinned fingerprint, the token in an `Authorization` header). So the token is in no URL and no
 * command line, mpv never has to verify a self-signed certificate, and the source can change under
 * mpv: `setUpstream` points later requests (and the rest of a broken response, at the same byte
 * offset) at another sub holding the same verified bytes.
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
/** How often the rest of one response is fetched again after the upstream broke off. */
const MAX_RESUMES = 3;

export class StreamRelay {
  private upstream: Upstream;
  private readonly secret = crypto.randomBytes(18).toString('base64url');

  private constructor(
    private readonly server: http.Server,
    upstream: Upstream,
    private readonly log: Logger | undefined,
  ) {
    this.upstream = upstream;
  }

  /** Listen on 127.0.0.1 (a free port) in front of `upstream`. */
  static async start(upstream: Upstream, log?: Logger): Promise<StreamRelay> {
    let relay: StreamRelay | undefined;
    const server = http.createServer((req, res) => relay!.serve(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    relay = new StreamRelay(server, upstream, log);
    return relay;
  }

  /** The URL mpv opens for a video (or one of its renditions); it stays the same whichever sub serves the bytes. */
  url(videoId: number, kind: 'videos' | 'renditions' = 'videos'): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/${this.secret}/${kind}/${videoId}`;
  }

  /** Fetch from another sub from now on (same session token or a new one). */
  setUpstream(upstream: Upstream): void {
    this.upstream = upstream;
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
    this.forward(req.method, `/${m[2]}/${m[3]}`, range, res, 0);
  }

  /** One upstream request; on a break mid-body, the rest is fetched again from the current upstream. */
  private forward(method: string, path: string, range: string | undefined, res: http.ServerResponse, resumes: number, at?: { offset: number; end: number }): void {
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
          this.log?.warn(`stream relay: could not continue at byte ${at.offset} (${upRes.statusCode})`);
          upRes.resume();
          res.destroy();
          return;
        }
      } else {
        const out: Record<string, string> = {};
        for (const h of FORWARDED) if (typeof upRes.headers[h] === 'string') out[h] = upRes.headers[h] as string;
        res.writeHead(upRes.statusCode ?? 502, out);
      }
      const span = at ?? spanOf(upRes);
      let sent = 0;
      upRes.on('data', (chunk: Buffer) => {
        sent += chunk.length;
        if (!res.write(chunk)) {
          upRes.pause();
          res.once('drain', () => upRes.resume());
        }
      });
      upRes.once('end', () => res.end());
      upRes.once('error', () => {});
      upRes.once('close', () => {
        if (upRes.complete) return;
        const next = span && span.offset + sent <= span.end ? { offset: span.offset + sent, end: span.end } : undefined;
        if (!next || resumes >= MAX_RESUMES || res.destroyed) {
          res.destroy();
          return;
        }
        this.log?.info(`stream relay: upstream broke off at byte ${next.offset}; continuing from ${this.upstream.address}`);
        this.forward(method, path, range, res, resumes + 1, next);
      });
    });
    request.on('error', (err: Error) => {
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
