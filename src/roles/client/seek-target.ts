/**
 * What `watchparty control ROOM seek X` means by X: an absolute time (`90`, `12.5`, `1:30`, `1:02:03`)
 * or a step from where the room is now (`+10`, `-5`, `-1:00`). Pure: the caller supplies the room's
 * position when the target is relative.
 */
import { WatchpartyError } from '../../core/errors.js';

export type SeekTarget = { kind: 'absolute'; positionMs: number } | { kind: 'relative'; deltaMs: number };

const CLOCK = /^(?:(\d+):)?(?:(\d+):)?(\d+(?:\.\d+)?)$/;

/** Parses a seek argument; a bad one is BAD_INPUT (exit 2) with examples. */
export function parseSeekTarget(value: string): SeekTarget {
  const text = value.trim();
  const sign = text.startsWith('+') ? 1 : text.startsWith('-') ? -1 : 0;
  const m = CLOCK.exec(sign ? text.slice(1) : text);
  if (!m) throw bad(value);
  // With one colon the groups are (minutes, -, seconds); with two, (hours, minutes, seconds).
  const [hours, minutes] = m[2] !== undefined ? [Number(m[1]), Number(m[2])] : [0, m[1] !== undefined ? Number(m[1]) : 0];
  const seconds = Number(m[3]);
  if ((m[1] !== undefined && seconds >= 60) || (m[2] !== undefined && minutes >= 60)) throw bad(value);
  const ms = Math.round(((hours * 60 + minutes) * 60 + seconds) * 1000);
  return sign === 0 ? { kind: 'absolute', positionMs: ms } : { kind: 'relative', deltaMs: sign * ms };
}

/** Where a seek lands, given the room's position now; never before the start or past the end. */
export function seekPositionMs(target: SeekTarget, nowPositionMs: number, durationMs?: number): number {
  const wanted = target.kind === 'absolute' ? target.positionMs : nowPositionMs + target.deltaMs;
  const upper = durationMs !== undefined && durationMs > 0 ? durationMs : Number.POSITIVE_INFINITY;
  return Math.round(Math.min(Math.max(0, wanted), upper));
}

function bad(value: string): WatchpartyError {
  return new WatchpartyError('BAD_INPUT', `"${value}" is not a time: use seconds (90, 12.5), a clock (1:30, 1:02:03) or a step (+10, -5)`, {
    hint: 'e.g. watchparty control ROOM seek 90, or seek -5 to go back five seconds',
  });
}
