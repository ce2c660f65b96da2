/**
 * Playback as "position P at central time atMs", shared by central's room and the client's follower:
 * while playing, the expected position at central time T is P + (T − atMs) × speed, and before atMs it
 * is P (a start scheduled a little in the future lets every member seek first, then start on one frame).
 */

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

/** `12:03` or `1:02:03`. */
export function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh > 0 ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}
