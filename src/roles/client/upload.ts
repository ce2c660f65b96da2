/**
 * Upload one file through the user's sub: hash it, reserve the name (or resume our reservation),
 * send chunks with a few in flight, then finish. Reads one chunk at a time: memory stays flat.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Peer } from '../../net/peer.js';
import type { VideoInfo } from '../../net/messages.js';
import { WatchpartyError } from '../../core/errors.js';
import { hashFile } from '../files.js';
import { rememberCopy, type CopyBook } from './own-copy.js';

export interface UploadProgress {
  phase: 'hashing' | 'uploading' | 'verifying';
  sent: number;
  size: number;
  /** Where this run started (non-zero when resuming). */
  resumedFrom: number;
  startedAtMs: number;
}

/** Tries of one upload through lost subs or a lost central, before it gives up. */
export const UPLOAD_ATTEMPTS = 8;

/**
 * Whether to try an upload again after `err` on try number `attempt`, and after how long: at once through
 * another sub when ours went away; after a growing pause when our sub lost central (a standby takes over
 * within seconds, and the upload then resumes from what the new leader holds). Undefined: give up.
 */
export function uploadRetryDelayMs(err: unknown, attempt: number): number | undefined {
  if (!(err instanceof WatchpartyError) || err.code !== 'DISCONNECTED' || attempt >= UPLOAD_ATTEMPTS) return undefined;
  return err.details?.centralLost ? Math.min(4000, 500 * attempt) : 0;
}

/** Chunks in flight: enough to hide the round trip through the sub, few enough to bound memory. */
const WINDOW = 8;

/** Check the file before anything goes over the wire. */
export async function statUpload(file: string): Promise<number> {
  let st: fs.Stats;
  try {
    st = await fsp.stat(file);
  } catch (err) {
    throw new WatchpartyError('FILE_ERROR', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  if (!st.isFile()) throw new WatchpartyError('FILE_ERROR', `${file} is not a regular file`);
  if (st.size === 0) throw new WatchpartyError('EMPTY_FILE', `${file} is empty: there is nothing to upload`);
  return st.size;
}

/** Hashes of files unchanged since (path, size, mtime): an upload continued through another sub reads the file once. */
const hashes = new Map<string, string>();

async function hashOnce(file: string): Promise<string> {
  const st = await fsp.stat(file);
  const key = `${file}\0${st.size}\0${st.mtimeMs}`;
  const known = hashes.get(key);
  if (known) return known;
  const sha = await hashFile(file);
  if (hashes.size > 100) hashes.clear();
  hashes.set(key, sha);
  return sha;
}

export function defaultVideoName(file: string): string {
  return path.basename(file);
}

export async function uploadFile(
  peer: Peer,
  file: string,
  name: string,
  onProgress: (p: UploadProgress) => void,
  signal?: AbortSignal,
  /** Where to remember that this file holds the video (watching it later plays the file itself). */
  copies?: CopyBook,
): Promise<VideoInfo> {
  const size = await statUpload(file);
  const startedAtMs = Date.now();
  onProgress({ phase: 'hashing', sent: 0, size, resumedFrom: 0, startedAtMs });
  const sha256 = await hashOnce(file);
  const begun = await peer.request('upload.begin', { name, size, sha256 });
  let acked = begun.offset;
  const resumedFrom = begun.offset;
  const fh = await fsp.open(file, 'r');
  try {
    let next = acked;
    const inFlight: Promise<{ offset: number }>[] = [];
    const send = async () => {
      const length = Math.min(begun.chunkBytes, size - next);
      const buf = Buffer.allocUnsafe(length);
      const { bytesRead } = await fh.read(buf, 0, length, next);
      if (bytesRead !== length) throw new WatchpartyError('FILE_ERROR', `${file} changed while uploading (short read at ${next})`);
      const sent = peer.request('upload.chunk', { uploadId: begun.uploadId, offset: next }, { payload: buf, timeoutMs: 60_000 });
      // Awaited in order below; a lost link fails them all at once, before most are awaited.
      sent.catch(() => {});
      inFlight.push(sent);
      next += length;
    };
    while (acked < size) {
      if (signal?.aborted) {
        await peer.request('upload.cancel', { uploadId: begun.uploadId }).catch(() => {});
        throw new WatchpartyError('BAD_INPUT', 'upload cancelled', { hint: 'Run it again to start over.' });
      }
      while (inFlight.length < WINDOW && next < size) await send();
      try {
        acked = (await inFlight.shift()!).offset;
      } catch (err) {
        const e = err as WatchpartyError;
        if (e.code !== 'OFFSET_MISMATCH' || typeof e.details?.offset !== 'number') throw e;
        // Central has a different idea of what it stored: continue from its offset.
        await Promise.allSettled(inFlight.splice(0));
        acked = e.details.offset;
        next = acked;
      }
      onProgress({ phase: 'uploading', sent: acked, size, resumedFrom, startedAtMs });
    }
  } finally {
    await fh.close();
  }
  onProgress({ phase: 'verifying', sent: size, size, resumedFrom, startedAtMs });
  const { video } = await peer.request('upload.finish', { uploadId: begun.uploadId }, { timeoutMs: 600_000 });
  if (copies) {
    try {
      rememberCopy(copies, video.sha256, file);
    } catch {
      /* a profile that cannot be saved only means streaming later */
    }
  }
  return video;
}
