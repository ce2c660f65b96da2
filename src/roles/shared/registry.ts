/**
 * Central's registry of sub-servers, pure: who is registered, how loaded, what the failure detector
 * says about each. Sockets live in central/main.ts, keyed by the same sub id.
 */
import { initialProbeState, onReconnect, type DetectorConfig, type ProbeState } from './failure-detector.js';

export interface SubRecord {
  id: string;
  address: string;
  pid: number;
  /** The sub's TLS certificate fingerprint (absent: it serves plain text). */
  fingerprint?: string;
  clients: number;
  registeredAtMs: number;
  lastSeenMs: number;
  connected: boolean;
  probe: ProbeState;
  /** Video ids the sub holds verified replicas of, and transfers under way (from its last probe reply). */
  replicas: readonly number[];
  /** Rendition ids it holds verified replicas of (absent from older subs). */
  renditions?: readonly number[];
  transfers: readonly { videoId: number; offset: number; size: number }[];
  /** Set while the sub drains: nobody is placed on it, and its users move elsewhere. */
  draining?: { sinceMs: number; deadlineMs: number };
}

export type Registry = ReadonlyMap<string, SubRecord>;

/** Add a sub, or re-attach a known one (same id) that reconnected before it was declared dead. */
export function registerSub(reg: Registry, sub: { id: string; address: string; pid: number; fingerprint?: string }, nowMs: number, cfg: DetectorConfig): Map<string, SubRecord> {
  const next = new Map(reg);
  const known = reg.get(sub.id);
  next.set(sub.id, {
    id: sub.id,
    address: sub.address,
    pid: sub.pid,
    ...(sub.fingerprint ? { fingerprint: sub.fingerprint } : {}),
    clients: known?.clients ?? 0,
    registeredAtMs: known?.registeredAtMs ?? nowMs,
    lastSeenMs: nowMs,
    connected: true,
    probe: known ? onReconnect(known.probe, nowMs, cfg) : initialProbeState(nowMs, cfg),
    replicas: known?.replicas ?? [],
    ...(known?.renditions ? { renditions: known.renditions } : {}),
    transfers: known?.transfers ?? [],
    // A sub that re-attaches mid-drain (a blip of its link) is still draining; a restarted one is not.
    ...(known?.draining && known.pid === sub.pid ? { draining: known.draining } : {}),
  });
  return next;
}

/** Replace one record by applying `change` to it (no-op when the id is unknown). */
export function updateSub(reg: Registry, id: string, change: (s: SubRecord) => SubRecord): Map<string, SubRecord> {
  const next = new Map(reg);
  const known = reg.get(id);
  if (known) next.set(id, change(known));
  return next;
}

export function removeSub(reg: Registry, id: string): Map<string, SubRecord> {
  const next = new Map(reg);
  next.delete(id);
  return next;
}

/**
 * The sub that should take the next user: fewest assigned users, ties broken by id so the choice is
 * deterministic. Only connected subs qualify: a suspect one may be on its way out, a draining one is.
 */
export function leastLoaded(reg: Registry, assigned: ReadonlyMap<string, number>): SubRecord | undefined {
  let best: SubRecord | undefined;
  for (const sub of reg.values()) {
    if (!takesUsers(sub)) continue;
    if (!best) {
      best = sub;
      continue;
    }
    const a = assigned.get(sub.id) ?? 0;
    const b = assigned.get(best.id) ?? 0;
    if (a < b || (a === b && compareIds(sub.id, best.id) < 0)) best = sub;
  }
  return best;
}

/** Whether new users may be placed on `sub`: connected, answering every probe, not draining. */
export function takesUsers(sub: SubRecord): boolean {
  return sub.connected && sub.probe.misses === 0 && !sub.draining;
}

/** Mark `id` draining until `deadlineMs` (an earlier deadline already set stays). */
export function startDraining(reg: Registry, id: string, nowMs: number, deadlineMs: number): Map<string, SubRecord> {
  return updateSub(reg, id, (s) => ({ ...s, draining: { sinceMs: s.draining?.sinceMs ?? nowMs, deadlineMs: Math.min(deadlineMs, s.draining?.deadlineMs ?? Infinity) } }));
}

/** `sub-2` before `sub-10`. */
export function compareIds(a: string, b: string): number {
  return Number(a.slice(4)) - Number(b.slice(4)) || a.localeCompare(b);
}

/**
 * Spread `users` over the live subs by load: each user in turn goes to the currently least-loaded sub.
 * Returns user → sub id; users stay unplaced (absent) when no sub is live.
 */
export function spreadUsers(reg: Registry, assigned: ReadonlyMap<string, number>, users: readonly string[]): Map<string, string> {
  const load = new Map(assigned);
  const placement = new Map<string, string>();
  for (const user of users) {
    const sub = leastLoaded(reg, load);
    if (!sub) break;
    placement.set(user, sub.id);
    load.set(sub.id, (load.get(sub.id) ?? 0) + 1);
  }
  return placement;
}
