/**
 * Watching from a copy of the video already on this disk (Syncplay's way, but checked): a file whose
 * sha256 is the catalogue's is played by mpv directly, costing no bandwidth, still in the room's sync.
 * Files this profile uploaded or checked before are remembered with their size and modification time,
 * so they are used again without hashing them again (a file that changed is not).
 */
import fs from 'node:fs';
import path from 'node:path';
import { WatchpartyError } from '../../core/errors.js';
import { hashFile } from '../files.js';

/** A file known to hold a catalogue video's bytes, as the profile remembers it. */
export interface KnownCopy {
  path: string;
  size: number;
  mtimeMs: number;
}

/** Where a profile keeps its known copies (by sha256). */
export interface CopyBook {
  get(sha256: string): KnownCopy | undefined;
  set(sha256: string, copy: KnownCopy): void;
}

/** A remembered copy that is still the same file (same size and modification time), else undefined. */
export function rememberedCopy(book: CopyBook, video: { sha256: string; size: number }): string | undefined {
  const known = book.get(video.sha256);
  if (!known || known.size !== video.size) return undefined;
  try {
    const st = fs.statSync(known.path);
    return st.isFile() && st.size === known.size && st.mtimeMs === known.mtimeMs ? known.path : undefined;
  } catch {
    return undefined;
  }
}

/** Remember that `file` holds the bytes with this sha256 (after an upload, or a check). */
export function rememberCopy(book: CopyBook, sha256: string, file: string): void {
  const st = fs.statSync(file);
  book.set(sha256, { path: path.resolve(file), size: st.size, mtimeMs: st.mtimeMs });
}

/** Check that `file` is exactly the catalogue's video (size, then sha256); remember it; throw when not. */
export async function checkOwnCopy(book: CopyBook, file: string, video: { name: string; sha256: string; size: number }, onInfo: (m: string) => void): Promise<string> {
  const abs = path.resolve(file);
  let size: number;
  try {
    const st = fs.statSync(abs);
    if (!st.isFile()) throw new Error('not a file');
    size = st.size;
  } catch {
    throw new WatchpartyError('BAD_INPUT', `cannot read ${abs}`, { hint: 'Give the path of your copy of the video with --file.' });
  }
  if (rememberedCopy(book, video) === abs) return abs;
  if (size !== video.size) throw new WatchpartyError('BAD_INPUT', `${abs} is not "${video.name}": it has ${size} bytes, the catalogue's has ${video.size}`, { hint: 'Give your copy of exactly the uploaded file, or leave out --file to stream it.' });
  onInfo(`checking your copy of ${video.name} (sha256)…`);
  const sha = await hashFile(abs);
  if (sha !== video.sha256) throw new WatchpartyError('BAD_INPUT', `${abs} is not "${video.name}": its sha256 differs from the catalogue's`, { hint: 'Give your copy of exactly the uploaded file, or leave out --file to stream it.' });
  rememberCopy(book, sha, abs);
  return abs;
}
