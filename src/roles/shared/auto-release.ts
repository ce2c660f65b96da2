/**
 * A room set to go on by itself without a member who keeps stalling: central remembers when each
 * member last made the room wait, and the third wait within two minutes releases that member instead
 * (they catch up on their own buffer, as after the admin's "go"). Pure: central keeps the log in
 * memory (a restart forgets at most two minutes of it) and applies what `withAutoRelease` returns.
 */
import type { Room, RoomInput } from './room.js';

export const AUTO_RELEASE = { stalls: 3, windowMs: 120_000 };

export type AutoReleaseRules = typeof AUTO_RELEASE;

/** When each member (lower-cased) began making the room wait, within the window. */
export type StallLog = ReadonlyMap<string, readonly number[]>;

const key = (u: string) => u.toLowerCase();

/**
 * What a readiness input becomes in `room`, and the log after it. A wait naming members the room is
 * not waiting for yet counts a stall for each; with `room.autoRelease`, those who reach the count are
 * released instead (and the rest still waited for), as one or two inputs to apply in order.
 */
export function withAutoRelease(room: Room, input: RoomInput, log: StallLog, nowMs: number, rules: AutoReleaseRules = AUTO_RELEASE): { inputs: RoomInput[]; log: StallLog } {
  if (input.type !== 'wait') return { inputs: [input], log };
  const fresh = input.users.filter((u) => !room.waitingFor.some((w) => key(w) === key(u)));
  const next = new Map<string, readonly number[]>();
  for (const [user, times] of log) {
    const kept = times.filter((t) => nowMs - t < rules.windowMs);
    if (kept.length > 0) next.set(user, kept);
  }
  for (const u of fresh) next.set(key(u), [...(next.get(key(u)) ?? []), nowMs].slice(-rules.stalls));
  if (!room.autoRelease) return { inputs: [input], log: next };
  const repeat = fresh.filter((u) => (next.get(key(u))?.length ?? 0) >= rules.stalls);
  if (repeat.length === 0) return { inputs: [input], log: next };
  for (const u of repeat) next.delete(key(u));
  const release: RoomInput = { type: 'release', users: repeat, why: `stalled ${rules.stalls} times in ${rules.windowMs / 60_000} minutes` };
  const rest = input.users.filter((u) => !repeat.includes(u));
  return { inputs: rest.length > 0 ? [release, { ...input, users: rest }] : [release], log: next };
}
