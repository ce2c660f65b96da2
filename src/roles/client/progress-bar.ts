/** Upload progress for a terminal (one redrawn line) or a log/pipe (a plain line every few seconds). */
import type { UploadProgress } from './upload.js';
import { formatBytes } from '../shared/format-bytes.js';

export { formatBytes };

/** Rate (bytes/s) and ETA (ms) of this run so far; undefined ETA until there is a rate. */
export function rateAndEta(p: UploadProgress, nowMs: number): { rate: number; etaMs: number | undefined } {
  const secs = Math.max(0.001, (nowMs - p.startedAtMs) / 1000);
  const rate = (p.sent - p.resumedFrom) / secs;
  return { rate, etaMs: rate > 0 ? ((p.size - p.sent) / rate) * 1000 : undefined };
}

export function progressLine(p: UploadProgress, nowMs: number, width = 24): string {
  if (p.phase === 'hashing') return `hashing ${formatBytes(p.size)}…`;
  if (p.phase === 'verifying') return `verifying on central (sha256, ffprobe)…`;
  const frac = p.size > 0 ? p.sent / p.size : 1;
  const filled = Math.round(frac * width);
  const { rate, etaMs } = rateAndEta(p, nowMs);
  const eta = etaMs === undefined ? '--' : `${Math.ceil(etaMs / 1000)} s`;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}%  ${formatBytes(p.sent)}/${formatBytes(p.size)}  ${formatBytes(rate)}/s  ETA ${eta}`;
}

/** A progress printer for stderr: redraws in a TTY, otherwise prints at most every 2 s. */
export function stderrProgress(): (p: UploadProgress) => void {
  const tty = Boolean(process.stderr.isTTY);
  let lastMs = 0;
  let lastPhase = '';
  return (p) => {
    const now = Date.now();
    const phaseChanged = p.phase !== lastPhase;
    if (!tty && !phaseChanged && now - lastMs < 2000 && p.sent < p.size) return;
    lastMs = now;
    lastPhase = p.phase;
    const line = progressLine(p, now);
    if (tty) process.stderr.write(`\r\x1b[2K${line}${p.phase === 'verifying' ? '\n' : ''}`);
    else process.stderr.write(line + '\n');
  };
}
