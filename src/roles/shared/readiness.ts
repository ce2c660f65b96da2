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
  slowLink?: boolean;
  rttMs?: number;
  seekCostMs?: number;
  deliveryMs?: number;
  rendition?: string;
  /** The video the member's player has loaded (absent from older clients: the room's). */
  videoId?: number;
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
  /** Bounds of a room's start lead (ms), and the margin over the slowest member's need. */
  minLeadMs: 60,
  maxLeadMs: 1500,
  leadMarginMs: 30,
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

/** Whether a member has enough ahead of it to play on, whatever its player is doing this instant. */
function buffered(h: HealthEntry | undefined, nowMs: number, rules: ReadinessRules): boolean {
  return !fresh(h, nowMs, rules) || h.eof || h.bufferedMs >= rules.resumeBufferedMs;
}

/** How a member's buffering reads in a room message: "buffering 1.2 / 3 s". */
export function bufferingText(h: HealthEntry | undefined, rules: ReadinessRules = READINESS): string {
  if (!h) return 'buffering';
  return `buffering ${(h.bufferedMs / 1000).toFixed(1)} / ${rules.resumeBufferedMs / 1000} s`;
}

/**
 * How far ahead the room schedules a start: enough for its slowest holder to hear of it and seek (its
 * measured seek cost), with a margin; `fallbackMs` while any holder has not said. Hearing of it takes
 * half a round trip on a quiet link, and on a link whose queue fills while the player downloads, as long
 * as the room's messages have lately taken to arrive (`deliveryMs`): a queue on the way down only.
 * With `fromPause` (a play, a wait's end) a holder paused on the room's frame has nothing to seek.
 */
export function startLead(room: Room, health: ReadonlyMap<string, HealthEntry>, nowMs: number, fallbackMs: number, rules: ReadinessRules = READINESS, fromPause = false): number {
  const released = new Set(room.released.map(key));
  let need = 0;
  for (const w of room.watching) {
    if (released.has(key(w))) continue;
    const h = health.get(key(w));
    if (!fresh(h, nowMs, rules) || h.rttMs === undefined || h.seekCostMs === undefined) return fallbackMs;
    const hearMs = Math.max(h.rttMs / 2, h.deliveryMs ?? 0);
    need = Math.max(need, hearMs + (fromPause && h.state === 'paused' ? 0 : h.seekCostMs));
  }
  if (room.watching.length === 0) return fallbackMs;
  return Math.round(Math.max(rules.minLeadMs, Math.min(rules.maxLeadMs, need + rules.leadMarginMs)));
}

/**
 * Reports as they bear on the room's current video: one about another (the previous video of the queue,
 * before the player loaded the next) says the member is still loading this one.
 */
function aboutRoomVideo(room: Room, health: ReadonlyMap<string, HealthEntry>): ReadonlyMap<string, HealthEntry> {
  if (![...health.values()].some((h) => h.videoId !== undefined && h.videoId !== room.videoId)) return health;
  return new Map([...health].map(([k, h]) => [k, h.videoId !== undefined && h.videoId !== room.videoId ? { ...h, state: 'loading', bufferedMs: 0, eof: false, offsetMs: undefined } : h]));
}

/** What the members' reports ask of the room now, if anything. */
export function readinessInput(room: Room, reports: ReadonlyMap<string, HealthEntry>, nowMs: number, rules: ReadinessRules = READINESS): RoomInput | undefined {
  if (room.closed) return undefined;
  const health = aboutRoomVideo(room, reports);
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
    // Whom the room waits for changes only with their buffers: a member who is merely seeking onto the
    // wait's frame holds the start (it is not ready) but is not news, or every event would make another.
    const short = notReady.filter((w) => !buffered(health.get(key(w)), nowMs, rules));
    const sameSet = short.length === room.waitingFor.length && short.every((u) => room.waitingFor.some((w) => key(w) === key(u)));
    if (short.length > 0 && !sameSet) return { type: 'wait', users: short, why: short.length === 1 ? bufferingText(health.get(key(short[0]!)), rules) : 'buffering' };
  }
  for (const r of room.released) {
    const h = health.get(key(r));
    if (!room.paused && fresh(h, nowMs, rules) && h.state === 'playing' && h.offsetMs !== undefined && Math.abs(h.offsetMs) <= rules.caughtUpOffsetMs && (h.eof || h.bufferedMs >= rules.resumeBufferedMs)) {
      return { type: 'caughtUp', user: r };
    }
  }
  return undefined;
}
