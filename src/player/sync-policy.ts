/**
 * The sync loop's decisions, as pure functions: given where the local player is and where the room
 * says it should be, what to do. The follower (player/follower.ts) applies them; its driver does the I/O.
 *
 * Strategy: big changes (join, play, seek, a large drift) are done as a *scheduled start*: pause,
 * seek exactly to a position a little ahead, wait until the seek has finished, and unpause at the
 * instant the room reaches that position. Small drifts are corrected by nudging mpv's speed.
 */

/** The sync loop's thresholds (see SYNC for the values and why). */
export interface SyncConfig {
  tickMs: number;
  deadbandMs: number;
  resyncIfOffByMs: number;
  correctionWindowMs: number;
  maxSpeedDelta: number;
  minSpeedChange: number;
  startLeadMs: number;
  pausedToleranceMs: number;
  settleMs: number;
}

/** Every threshold of the sync loop, with units in the names (as Syncplay's constants.py does). */
export const SYNC: SyncConfig = {
  /** How often the loop samples the player. */
  tickMs: 100,
  /** Errors below this are left alone: sampling noise is ~1 ms, a frame at 25 fps is 40 ms. */
  deadbandMs: 6,
  /** Errors above this are fixed by a scheduled start instead of a speed nudge. */
  resyncIfOffByMs: 250,
  /** A speed nudge aims to remove the error over about this long. */
  correctionWindowMs: 800,
  /** Speed stays within 1 ± this (mpv's scaletempo keeps the pitch; a few % for a second is barely noticed). */
  maxSpeedDelta: 0.08,
  /** Speed changes smaller than this are not sent (each is an IPC round trip). */
  minSpeedChange: 0.003,
  /** How far ahead a scheduled start seeks: enough for an exact seek plus buffering. */
  startLeadMs: 600,
  /** While paused, re-seek if the shown frame is further than this from the room's position. */
  pausedToleranceMs: 15,
  /** After a seek or start, samples are ignored this long while the player settles. */
  settleMs: 250,
};

export type SteadyAction = { kind: 'none' } | { kind: 'speed'; rate: number } | { kind: 'resync' };

/**
 * What to do about an error (local − expected, ms) while the player runs at `speed` in a room playing
 * at `roomSpeed`: nudges are relative to the room's speed.
 */
export function steadyAction(errorMs: number, speed: number, sync: SyncConfig = SYNC, roomSpeed = 1): SteadyAction {
  if (Math.abs(errorMs) > sync.resyncIfOffByMs) return { kind: 'resync' };
  let rate = roomSpeed;
  if (Math.abs(errorMs) > sync.deadbandMs) {
    // Ahead (positive error) → slow down; behind → speed up; proportional, capped.
    const delta = Math.max(-sync.maxSpeedDelta, Math.min(sync.maxSpeedDelta, -errorMs / sync.correctionWindowMs));
    rate = Math.round(roomSpeed * (1 + delta) * 1000) / 1000;
  }
  if (Math.abs(rate - speed) < sync.minSpeedChange * roomSpeed && !(rate === roomSpeed && speed !== roomSpeed)) return { kind: 'none' };
  return { kind: 'speed', rate };
}

/**
 * Plan a scheduled start for a playing room: seek to `seekToMs` (paused), then unpause when central's
 * clock reads `startAtCentralMs`. Uses the room's own start time when it is still far enough ahead.
 */
export function planStart(
  room: { positionMs: number; atMs: number; durationMs: number; speed?: number },
  centralNowMs: number,
  leadMs: number = SYNC.startLeadMs,
  /** How much time before the room's own instant is enough to seek and start on it. */
  needMs: number = leadMs * 0.5,
): { seekToMs: number; startAtCentralMs: number } {
  if (room.atMs - centralNowMs >= needMs) return { seekToMs: room.positionMs, startAtCentralMs: room.atMs };
  const startAt = centralNowMs + leadMs;
  const seekTo = Math.min(room.durationMs, room.positionMs + (startAt - room.atMs) * (room.speed ?? 1));
  return { seekToMs: seekTo, startAtCentralMs: startAt };
}

/**
 * How far ahead to schedule a start, from what seeks have cost so far: enough to finish the seek
 * with margin, no more (every extra millisecond is waiting for the person who just joined).
 */
export function startLeadFor(seekCostMs: number): number {
  return Math.round(Math.max(250, Math.min(1500, seekCostMs * 1.5 + 100)));
}

/** Whether a paused player shows the wrong frame. */
export function pausedNeedsSeek(localMs: number, roomMs: number, sync: SyncConfig = SYNC): boolean {
  return Math.abs(localMs - roomMs) > sync.pausedToleranceMs;
}
