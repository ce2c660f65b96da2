/** Pure text for progress bars: upload progress and a room's playback position. */
import { clock } from '../../roles/shared/room.js';

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A bar of `width` columns filled to `fraction` (0–1) with eighth-block precision, e.g. `███▌░░░░`. */
export function blockBar(fraction: number, width: number): string {
  if (width <= 0) return '';
  const f = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0));
  const eighths = Math.round(f * width * 8);
  const full = Math.floor(eighths / 8);
  const part = EIGHTHS[eighths % 8]!;
  return '█'.repeat(full) + part + '░'.repeat(Math.max(0, width - full - (part ? 1 : 0)));
}

/** Whole percent done, never 100 before everything is sent. */
export function percent(sent: number, size: number): number {
  if (size <= 0) return 100;
  const p = Math.floor((sent / size) * 100);
  return Math.max(0, Math.min(sent >= size ? 100 : 99, p));
}

/** A seek bar `━━━━━━╸────` of `width` columns at `positionMs` of `durationMs`. */
export function seekBar(positionMs: number, durationMs: number, width: number): string {
  if (width <= 0) return '';
  const f = durationMs > 0 ? Math.max(0, Math.min(1, positionMs / durationMs)) : 0;
  const done = Math.min(width - 1, Math.floor(f * width));
  return '━'.repeat(done) + '╸' + '─'.repeat(Math.max(0, width - done - 1));
}

/** `12:03 ━━━━━━╸──── 45:10`, exactly `width` columns when there is room for the bar. */
export function positionLine(positionMs: number, durationMs: number, width: number): string {
  const left = clock(positionMs);
  const right = clock(durationMs);
  const barWidth = width - left.length - right.length - 2;
  if (barWidth < 3) return `${left} / ${right}`;
  return `${left} ${seekBar(positionMs, durationMs, barWidth)} ${right}`;
}

/** "+3 ms" / "-120 ms" / "+1.2 s" for a sync error (+ ahead, - behind). */
export function signedMs(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  const abs = Math.abs(ms);
  return abs < 1000 ? `${sign}${Math.round(abs)} ms` : `${sign}${(abs / 1000).toFixed(1)} s`;
}
