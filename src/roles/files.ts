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
