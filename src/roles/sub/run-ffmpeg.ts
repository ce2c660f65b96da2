/**
 * Run one ffmpeg for a media task: below the sub's own priority (streaming to viewers comes first),
 * stopped by an abort (the lease was lost, the sub is stopping), with the last lines of its stderr kept
 * for the error a failed task reports, and the CPU time `-benchmark` prints.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import { cpuMsFrom } from './ffmpeg-args.js';

/** How much of ffmpeg's stderr a failure keeps (the last lines are the useful ones). */
const STDERR_KEEP_BYTES = 16 * 1024;
/** Encoders run this much nicer than the sub (0 = same, 19 = lowest). */
export const ENCODER_NICE = 10;

export interface FfmpegRun {
  cpuMs: number;
}

/**
 * Run ffmpeg with `args`; `onFrames` hears how many frames it has written so far (from `-progress`,
 * about twice a second), for a progress bar.
 */
export function runFfmpeg(args: string[], opts: { cwd: string; signal: AbortSignal; binary?: string; onFrames?: (frames: number) => void }): Promise<FfmpegRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(opts.binary ?? 'ffmpeg', ['-progress', 'pipe:1', ...args], { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let progress = '';
    child.stdout!.on('data', (d: Buffer) => {
      progress = (progress + d.toString()).slice(-4096);
      const m = /frame=(\d+)\s*\n[^]*$/.exec(progress);
      if (m) opts.onFrames?.(Number(m[1]));
    });
    let stderr = '';
    const abort = () => child.kill('SIGKILL');
    opts.signal.addEventListener('abort', abort, { once: true });
    child.once('spawn', () => {
      try {
        os.setPriority(child.pid!, Math.min(19, os.getPriority() + ENCODER_NICE));
      } catch {
        /* not allowed here: it runs at our priority */
      }
    });
    child.stderr!.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-STDERR_KEEP_BYTES);
    });
    child.once('error', (err: NodeJS.ErrnoException) => {
      opts.signal.removeEventListener('abort', abort);
      reject(new Error(err.code === 'ENOENT' ? 'ffmpeg is not installed on this sub (sudo apt-get install ffmpeg)' : err.message));
    });
    child.once('close', (code, signal) => {
      opts.signal.removeEventListener('abort', abort);
      if (opts.signal.aborted) reject(new Error('stopped: the task was taken back'));
      else if (code === 0) resolve({ cpuMs: cpuMsFrom(stderr) });
      else reject(new Error(`ffmpeg exited with ${code ?? signal}: ${lastLines(stderr)}`));
    });
  });
}

/** The last few lines of ffmpeg's stderr, without its benchmark line. */
export function lastLines(stderr: string, n = 6): string {
  return stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('bench:'))
    .slice(-n)
    .join('\n')
    .slice(-1500);
}
