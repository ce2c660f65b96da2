/**
 * Test videos made with ffmpeg: a test pattern (and a tone) as uncompressed rawvideo in Matroska, so a
 * clip of any size is produced as fast as the disk writes, and mpv/ffprobe treat it as a real video.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export interface ClipOptions {
  seconds: number;
  width?: number;
  height?: number;
  fps?: number;
  /** Target size in MB: the frame size is chosen to reach it (approximately) in `seconds`. */
  approxMB?: number;
  name?: string;
}

export function makeClip(dir: string, opts: ClipOptions): string {
  const fps = opts.fps ?? 25;
  let width = opts.width ?? 320;
  let height = opts.height ?? 240;
  if (opts.approxMB) {
    // yuv420p: 1.5 bytes per pixel; keep a 4:3 frame with even sides.
    const pixelsPerFrame = (opts.approxMB * 1e6) / (opts.seconds * fps * 1.5);
    height = Math.max(16, Math.round(Math.sqrt((pixelsPerFrame * 3) / 4) / 2) * 2);
    width = Math.max(16, Math.round((height * 4) / 3 / 2) * 2);
  }
  const file = path.join(dir, opts.name ?? `clip-${opts.seconds}s-${width}x${height}.mkv`);
  try {
    execFileSync('ffmpeg', [
      '-v', 'error', '-y',
      '-f', 'lavfi', '-i', `testsrc=size=${width}x${height}:rate=${fps}`,
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=8000',
      '-t', String(opts.seconds), '-c:v', 'rawvideo', '-pix_fmt', 'yuv420p', '-c:a', 'pcm_s16le', '-shortest', file,
    ], { timeout: 120_000, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('ffmpeg is not installed: sudo apt-get install ffmpeg (tests need it to make clips)');
    throw err;
  }
  return file;
}
