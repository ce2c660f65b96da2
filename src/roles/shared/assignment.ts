/**
 * Which sub may act for a user: the sub central assigned them to, and, while a user moves (failover,
 * drain), also the sub they are moving from until a deadline. Pure: central keeps the moves and the clock.
 */

/** A move in progress: `fromSubId` may still serve the user until `untilMs`. */
export interface Move {
  fromSubId: string;
  untilMs: number;
}

/** How long the old sub may keep serving a moved user (its clients are reconnecting meanwhile). */
export const MOVE_GRACE_MS = 10_000;

/** Whether `subId` may act for a user assigned to `assignedSubId` (with `move` in progress, if any). */
export function mayActFor(assignedSubId: string | null | undefined, move: Move | undefined, subId: string, nowMs: number): boolean {
  if (assignedSubId === subId) return true;
  return move !== undefined && move.fromSubId === subId && nowMs < move.untilMs;
}

/** The move to record when a user goes from `fromSubId` to another sub at `nowMs` (none from nowhere). */
export function startMove(fromSubId: string | null | undefined, toSubId: string | null, nowMs: number, graceMs = MOVE_GRACE_MS): Move | undefined {
  if (!fromSubId || fromSubId === toSubId) return undefined;
  return { fromSubId, untilMs: nowMs + graceMs };
}
