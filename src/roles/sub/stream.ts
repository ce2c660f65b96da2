/**
 * HTTP streaming of replicas with Range support, so mpv starts at once and seeks anywhere.
 * GET/HEAD /videos/<id> (a source) and /renditions/<id> (a lighter copy the media jobs made), authenticated
 * by the session token in `Authorization: Bearer` only: a token in
 * a URL ends up in logs, shell history and `ps`, so `?token=` is refused even when it is valid.
 * A video not yet replicated here answers 503 "still arriving: N %" with Retry-After, and one whose
 * replica is still being checked against the catalogue 503 "checking the replica: N %": unchecked bytes
 * are never served.
 */
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseRange } from '../shared/http-range.js';
import type { Logger } from '../../core/log.js';

/** The replicas of one kind (sources or renditions) as streaming needs them. */
export interface StreamFiles {
  video(id: number): { name: string } | undefined;
  file(id: number): string | undefined;
  progress(id: number): number;
  /** Percent checked when the replica is on disk but not verified yet, else undefined. */
  checking(id: number): number | undefined;
  /** Bytes of a verified replica are about to be sent (the sampled read path may re-check it). */
  served(id: number): void;
  /** Subscribe to "this replica was found damaged"; returns an unsubscribe. */
  onWithdrawn(listener: (id: number, why: 'damaged' | 'deleted') => void): () => void;
}

export interface StreamDeps {
  /** The user owning `token`, or undefined when it is not valid. Throws when central cannot be asked. */
  authenticate(token: string): Promise<string | undefined>;
  videos: StreamFiles;
  renditions: StreamFiles;
  log: Logger;
}

const TYPES: Record<string, string> = { mp4: 'video/mp4', m4v: 'video/mp4', mkv: 'video/x-matroska', webm: 'video/webm', mov: 'video/quicktime', avi: 'video/x-msvideo', ts: 'video/mp2t' };

function plain(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(text + '\n');
}

/** Handle one HTTP request on a sub's port. */
export async function serveStream(req: IncomingMessage, res: ServerResponse, deps: StreamDeps): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sub.invalid');
  const m = /^\/(videos|renditions)\/(\d{1,12})$/.exec(url.pathname);
  if (!m) return plain(res, 404, 'not found: videos are at /videos/<id> and /renditions/<id>');
  if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'only GET and HEAD', { allow: 'GET, HEAD' });
  if (url.searchParams.has('token')) return plain(res, 401, 'tokens are not accepted in URLs: send Authorization: Bearer <token>', { 'www-authenticate': 'Bearer error="invalid_request"' });
  const auth = req.headers.authorization;
  const token = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
  if (!token) return plain(res, 401, 'a session token is required (Authorization: Bearer <token>)', { 'www-authenticate': 'Bearer' });
  let user: string | undefined;
  try {
    user = await deps.authenticate(token);
  } catch {
    return plain(res, 503, 'this sub cannot check sessions right now (central unreachable); try again shortly', { 'retry-after': '2' });
  }
  if (!user) return plain(res, 401, 'the session token is not valid', { 'www-authenticate': 'Bearer error="invalid_token"' });
  const files = m[1] === 'renditions' ? deps.renditions : deps.videos;
  const what = m[1] === 'renditions' ? 'rendition' : 'video';
  const id = Number(m[2]);
  const video = files.video(id);
  const file = files.file(id);
  if (!file) {
    if (!video) return plain(res, 404, `no ${what} #${id}`);
    const checked = files.checking(id);
    if (checked !== undefined) return plain(res, 503, `checking the replica: ${checked} %`, { 'retry-after': '2' });
    return plain(res, 503, `still arriving: ${files.progress(id)} %`, { 'retry-after': '2' });
  }
  const size = fs.statSync(file).size;
  const range = parseRange(req.headers.range, size);
  const ext = (video?.name.split('.').pop() ?? '').toLowerCase();
  const headers: Record<string, string | number> = { 'accept-ranges': 'bytes', 'content-type': TYPES[ext] ?? 'application/octet-stream', 'cache-control': 'private, max-age=3600' };
  if (range.kind === 'unsatisfiable') return plain(res, 416, `range not satisfiable: the ${what} has ${size} bytes`, { 'content-range': `bytes */${size}`, 'accept-ranges': 'bytes' });
  const [start, end] = range.kind === 'partial' ? [range.start, range.end] : [0, size - 1];
  headers['content-length'] = end - start + 1;
  if (range.kind === 'partial') headers['content-range'] = `bytes ${start}-${end}/${size}`;
  res.writeHead(range.kind === 'partial' ? 206 : 200, headers);
  if (req.method === 'HEAD' || size === 0) {
    res.end();
    return;
  }
  deps.log.debug(`${user} streams ${what} #${id} bytes ${start}-${end}`);
  files.served(id);
  const stream = fs.createReadStream(file, { start, end, highWaterMark: 256 * 1024 });
  stream.on('error', () => res.destroy());
  // A replica found damaged, or deleted, mid-stream: cut the response, so no more of its bytes go out.
  const unsubscribe = files.onWithdrawn((gone, why) => {
    if (gone !== id) return;
    deps.log.warn(`stopped streaming ${what} #${id} to ${user}: the replica is ${why}`);
    stream.destroy();
    res.destroy();
  });
  res.on('close', () => {
    unsubscribe();
    stream.destroy();
  });
  stream.pipe(res);
}
