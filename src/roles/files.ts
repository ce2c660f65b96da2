/** File helpers shared by central and subs (I/O, so not in shared/). */
import crypto from 'node:crypto';
import fs from 'node:fs';

/** sha256 of a file, streamed in 1 MiB reads: memory stays flat whatever the size. */
export async function hashFile(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
