/**
 * When a room waits for its members, as pure rules over their latest reports (Jellyfin's group
 * "waiting" state, Syncplay's readiness): central feeds every report and tick through
 * `readinessInput`, and applies what it returns through `step` like any other input.
 *
 * - A member who holds the room (watching, not released) and runs dry while it plays makes the room
 *   wait, paused on one frame for everyone.
 * - The room plays on once every member it waits for has refilled to `resumeBufferedMs` (or has the
 *   rest of the file): hysteresis, so it does not flap at the edge of the buffer.
 * - A wait that lasts `maxWaitMs` goes on without those members; a released member who plays on the
 *   room's frame again with a healthy buffer holds the room again.
 * - A member with no fresh report (an older client, a frozen one) never holds the room.
 */
import type { Room, RoomInput } from './room.js';
import { RESUME_BUFFERED_MS } from '../../core/playback.js';

/** What a member said about its player, and when central heard it. */
export interface HealthEntry {
  state: 'loading' | 'playing' | 'paused' | 'seeking' | 'stalled';
  bufferedMs: number;
  eof: boolean;
  offsetMs?: number;
  rateBps?: number;
  needBps?: number;
  atMs: number;
}

export const READINESS = {
  /** Buffered ahead before a waiting room plays on (ms). */
  resumeBufferedMs: RESUME_BUFFERED_MS,
  /** A report older than this says nothing. */
  staleMs: 5000,
  /** The longest a room waits for the same members before going on without them. */
  maxWaitMs: 30_000,
  /** A released member this close to the room's frame (ms), with a healthy buffer, has caught up. */
  caughtUpOffsetMs: 80,
};

export type ReadinessRules = typeof READINESS;

const key = (u: string) => u.toLowerCase();

function fresh(h: HealthEntry | undefined, nowMs: number, rules: ReadinessRules): h is HealthEntry {
  return h !== undefined && nowMs - h.atMs <= rules.staleMs;
}

/** Whether a member can play on from where it is. */
export function isReady(h: HealthEntry | undefined, nowMs: number, rules: ReadinessRules = READINESS): boolean {
  if (!fresh(h, nowMs, rules)) return true;
  if (h.eof) return h.state !== 'seeking' && h.state !== 'loading';
  return (h.state === 'paused' || h.state === 'playing') && h.bufferedMs >= rules.resumeBufferedMs;
}

/** How a member's buffering reads in a room message: "buffering 1.2 / 3 s". */
export function bufferingText(h: HealthEntry | undefined, rules: ReadinessRules = READINESS): string {
  if (!h) return 'buffering';
  return `buffering ${(h.bufferedMs / 1000).toFixed(1)} / ${rules.resumeBufferedMs / 1000} s`;
}

/** What the members' reports ask of the room now, if anything. */
export function readinessInput(room: Room, health: ReadonlyMap<string, HealthEntry>, nowMs: number, rules: ReadinessRules = READINESS): RoomInput | undefined {
  if (room.closed) return undefined;
  const released = new Set(room.released.map(key));
  const holders = room.watching.filter((w) => !released.has(key(w)));
  if (!room.paused) {
    const dry = holders.filter((w) => {
      const h = health.get(key(w));
      return fresh(h, nowMs, rules) && h.state === 'stalled';
    });
    if (dry.length > 0) return { type: 'wait', users: dry, why: dry.length === 1 ? bufferingText(health.get(key(dry[0]!)), rules) : 'buffering' };
  }
  if (room.waitingFor.length > 0) {
    const notReady = holders.filter((w) => !isReady(health.get(key(w)), nowMs, rules));
    if (notReady.length === 0) return { type: 'ready' };
    if (nowMs - room.atMs > rules.maxWaitMs) return { type: 'release', users: notReady, why: `still buffering after ${rules.maxWaitMs / 1000} s` };
    const sameSet = notReady.length === room.waitingFor.length && notReady.every((u) => room.waitingFor.some((w) => key(w) === key(u)));
    if (!sameSet) return { type: 'wait', users: notReady, why: notReady.length === 1 ? bufferingText(health.get(key(notReady[0]!)), rules) : 'buffering' };
  }
  for (const r of room.released) {
    const h = health.get(key(r));
    if (!room.paused && fresh(h, nowMs, rules) && h.state === 'playing' && h.offsetMs !== undefined && Math.abs(h.offsetMs) <= rules.caughtUpOffsetMs && (h.eof || h.bufferedMs >= rules.resumeBufferedMs)) {
      return { type: 'caughtUp', user: r };
    }
  }
  return undefined;
}
