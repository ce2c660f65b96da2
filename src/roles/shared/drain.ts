/**
 * A sub's drain, pure: serving → draining (until its clients have moved, or a deadline) → drained. The
 * sub (sub/drain.ts) feeds it the clock and its client count and acts on what it says.
 */

/** How long a drain may take by default before the sub tells the clients left to go. */
export const DEFAULT_DRAIN_MS = 60_000;
/**
 * Empty this long before the drain is over: a client's last session has gone, but its player's stream
 * may still be reading here until its relay has moved to the new sub (a few ms to a second).
 */
export const DRAIN_LINGER_MS = 2000;

export type DrainState =
  | { kind: 'serving' }
  | { kind: 'draining'; sinceMs: number; deadlineMs: number; otherSubs: number; clientsAtStart: number; emptySinceMs?: number }
  | { kind: 'drained'; atMs: number; why: 'empty' | 'deadline'; left: number };

export type DrainAction = { kind: 'none' } | { kind: 'move'; otherSubs: number } | { kind: 'finish'; why: 'empty' | 'deadline'; left: number };

/** Start draining (again: the earlier deadline wins, a drain never gets longer by being asked twice). */
export function startDrain(s: DrainState, p: { nowMs: number; timeoutMs: number; otherSubs: number; clients: number }): { state: DrainState; action: DrainAction } {
  if (s.kind === 'drained') return { state: s, action: { kind: 'none' } };
  const deadlineMs = Math.min(p.nowMs + p.timeoutMs, s.kind === 'draining' ? s.deadlineMs : Infinity);
  const state: DrainState = { kind: 'draining', sinceMs: s.kind === 'draining' ? s.sinceMs : p.nowMs, deadlineMs, otherSubs: p.otherSubs, clientsAtStart: s.kind === 'draining' ? s.clientsAtStart : p.clients };
  // With nowhere to go nobody is moved: they stay until the deadline, told why.
  return { state, action: p.otherSubs > 0 ? { kind: 'move', otherSubs: p.otherSubs } : { kind: 'none' } };
}

/** Look again: done once nobody is left, or at the deadline whoever is left. */
export function checkDrain(s: DrainState, p: { nowMs: number; clients: number }): { state: DrainState; action: DrainAction } {
  if (s.kind !== 'draining') return { state: s, action: { kind: 'none' } };
  if (p.clients === 0) {
    const since = s.emptySinceMs ?? p.nowMs;
    if (p.nowMs - since >= DRAIN_LINGER_MS || p.nowMs >= s.deadlineMs) return { state: { kind: 'drained', atMs: p.nowMs, why: 'empty', left: 0 }, action: { kind: 'finish', why: 'empty', left: 0 } };
    return { state: { ...s, emptySinceMs: since }, action: { kind: 'none' } };
  }
  if (s.emptySinceMs !== undefined) s = { ...s, emptySinceMs: undefined };
  if (p.nowMs >= s.deadlineMs) return { state: { kind: 'drained', atMs: p.nowMs, why: 'deadline', left: p.clients }, action: { kind: 'finish', why: 'deadline', left: p.clients } };
  return { state: s, action: { kind: 'none' } };
}

/** "draining: 3 of 7 clients left, 42 s to go" for logs, the TUI and status. */
export function drainText(s: DrainState, clients: number, nowMs: number): string {
  switch (s.kind) {
    case 'serving':
      return 'serving';
    case 'draining':
      return s.otherSubs === 0
        ? `draining: no other sub to move ${clients} client${clients === 1 ? '' : 's'} to; stopping in ${Math.ceil(Math.max(0, s.deadlineMs - nowMs) / 1000)} s`
        : `draining: ${clients} of ${s.clientsAtStart} client${s.clientsAtStart === 1 ? '' : 's'} left, ${Math.ceil(Math.max(0, s.deadlineMs - nowMs) / 1000)} s to go`;
    case 'drained':
      return s.why === 'empty' ? 'drained: every client moved' : `drained at the deadline: ${s.left} client${s.left === 1 ? '' : 's'} told to go`;
  }
}
