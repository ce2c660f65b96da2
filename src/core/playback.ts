/**
 * Playback as "position P at central time atMs", shared by central's room and the client's follower:
 * while playing, the expected position at central time T is P + (T − atMs) × speed, and before atMs it
 * is P (a start scheduled a little in the future lets every member seek first, then start on one frame).
 */
import { WatchpartyError } from './errors.js';

/** The fields of a room that say where its video is. */
export interface Playback {
  paused: boolean;
  positionMs: number;
  atMs: number;
  durationMs: number;
  /** Playback rate (1 when absent: rooms saved before speed existed). */
  speed?: number;
}

/** Expected video position at central time `nowMs`. */
export function positionAt(room: Playback, nowMs: number): number {
  const p = room.paused || nowMs <= room.atMs ? room.positionMs : room.positionMs + (nowMs - room.atMs) * (room.speed ?? 1);
  return Math.max(0, Math.min(room.durationMs, p));
}

/** The speeds a room plays at (mpv keeps the pitch with scaletempo across this range). */
export const SPEED_RANGE = { min: 0.25, max: 4 } as const;

/** A requested rate as the room will play it: within SPEED_RANGE, to 2 decimals. */
export function roomSpeed(rate: number): number {
  if (!Number.isFinite(rate)) throw new WatchpartyError('BAD_INPUT', `speed must be a number from ${SPEED_RANGE.min} to ${SPEED_RANGE.max}`);
  return Math.round(Math.max(SPEED_RANGE.min, Math.min(SPEED_RANGE.max, rate)) * 100) / 100;
}

/** The steps the TUI's [ and ] keys move through. */
export const SPEED_STEPS = [0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.5, 3, 4] as const;

/** The next step slower (`by` −1) or faster (+1) than `rate` (a rate between steps goes to the nearer side). */
export function stepSpeed(rate: number, by: -1 | 1): number {
  if (by > 0) return SPEED_STEPS.find((s) => s > rate + 1e-9) ?? SPEED_RANGE.max;
  return [...SPEED_STEPS].reverse().find((s) => s < rate - 1e-9) ?? SPEED_RANGE.min;
}

/** "1.5×" */
export function speedText(rate: number): string {
  return `${rate}×`;
}

/** The last time anyone used the room: created it, opened or left it, or the admin controlled it. */

/**
 * Buffered video ahead of the shown frame (ms) after which a member who ran dry can play on: the room
 * waits until each member it waits for has this much (hysteresis against flapping at an empty buffer).
 */
export const RESUME_BUFFERED_MS = 3000;

/** `12:03` or `1:02:03`. */
export function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh > 0 ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}
