/** File helpers shared by central and subs (I/O, so not in shared/). */
import crypto from 'node:crypto';
import fsp from 'node:fs/promises';

/**
 * sha256 of a file, read through one reused 1 MiB buffer: memory stays flat whatever the size, and no
 * garbage piles up for the collector (a read stream allocates a fresh buffer per read).
 */
export async function hashFile(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  const buf = Buffer.allocUnsafe(1024 * 1024);
  const fh = await fsp.open(file, 'r');
  try {
    for (let pos = 0; ; ) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
      pos += bytesRead;
    }
  } finally {
    await fh.close();
  }
  return hash.digest('hex');
}

/**
 * sha256 of a file at no more than `bytesPerSec()` (so a background check leaves the core to streaming;
 * read per chunk, so a waiting client can speed up a check in progress), reporting bytes done; resolves
 * undefined when `signal` aborts first.
 */
export async function hashFileThrottled(file: string, bytesPerSec: () => number, signal: AbortSignal, onProgress: (bytes: number) => void = () => {}): Promise<string | undefined> {
  const hash = crypto.createHash('sha256');
  const buf = Buffer.allocUnsafe(1024 * 1024);
  const fh = await fsp.open(file, 'r');
  // Pace each chunk against the time it may take at the current rate, so a rate change applies at once.
  let budgetMs = 0;
  const started = performance.now();
  try {
    for (let pos = 0; ; ) {
      if (signal.aborted) return undefined;
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
      pos += bytesRead;
      onProgress(pos);
      budgetMs += (bytesRead / bytesPerSec()) * 1000;
      const aheadMs = budgetMs - (performance.now() - started);
      if (aheadMs > 1) await new Promise((r) => setTimeout(r, aheadMs));
      else if (aheadMs < -1000) budgetMs = performance.now() - started - 1000; // slow disk: no catch-up burst
    }
  } finally {
    await fh.close();
  }
  return hash.digest('hex');
}

/** Up to `length` bytes of `file` (of `size` bytes) from `offset`: what replica chunks carry, both ways. */
export async function readChunk(file: string, size: number, offset: number, length: number): Promise<{ offset: number; size: number; payload: Buffer }> {
  const n = Math.max(0, Math.min(length, size - offset));
  const buf = Buffer.allocUnsafe(n);
  const fh = await fsp.open(file, 'r');
  try {
    const { bytesRead } = await fh.read(buf, 0, n, offset);
    return { offset, size, payload: buf.subarray(0, bytesRead) };
  } finally {
    await fh.close();
  }
}
