/**
 * Which sub serves each user: placing a user on login, moving everyone off a dead sub, and the moves
 * in progress (the old sub may serve a moved user until a deadline). The rules are in
 * shared/registry.ts and shared/assignment.ts; this class keeps the moves and writes the store.
 */
import { WatchpartyError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { Notification } from '../../net/messages.js';
import { leastLoaded, spreadUsers, type SubRecord } from '../shared/registry.js';
import { MOVE_GRACE_MS, mayActFor, startMove, type Move } from '../shared/assignment.js';
import type { CentralStore } from './store.js';

/** Where a client finds a sub, with the fingerprint it pins without asking. */
export type SubPlacement = { subId: string; subAddress: string; subFingerprint?: string };

function placementOf(sub: SubRecord): SubPlacement {
  return { subId: sub.id, subAddress: sub.address, ...(sub.fingerprint ? { subFingerprint: sub.fingerprint } : {}) };
}

export interface PlacementDeps {
  store: CentralStore;
  log: Logger;
  /** The live registry (it is replaced, never mutated, so it is read through this). */
  registry(): Map<string, SubRecord>;
  notify(users: readonly string[], n: { kind: Notification['kind']; text: string }): void;
  changed(): void;
}

export class UserPlacement {
  /** Users moving between subs: the old sub may serve them until the move's deadline. */
  private readonly moves = new Map<string, Move>();

  constructor(private readonly d: PlacementDeps) {}

  /** Whether `subId` may act for `user` now (assigned, or moving away from it). */
  mayActFor(user: string, subId: string, nowMs = Date.now()): boolean {
    return mayActFor(this.d.store.getUser(user)?.subId, this.moves.get(user), subId, nowMs);
  }

  /** Forget moves whose grace has run out. */
  pruneMoves(nowMs: number): void {
    for (const [user, move] of this.moves) if (move.untilMs <= nowMs) this.moves.delete(user);
  }

  /** Move every user of a dead sub to the live subs, spread by load, and tell each of them. */
  reassignUsersOf(deadId: string): void {
    const { store, log } = this.d;
    const users = store.usersOfSub(deadId);
    if (users.length === 0) return;
    const placement = spreadUsers(this.d.registry(), store.assignedCounts(), users);
    // One notification batch (one transaction) per destination: a dead sub may have served thousands.
    const byDestination = new Map<string | null, string[]>();
    for (const user of users) {
      const to = placement.get(user) ?? null;
      this.assign(user, deadId, to);
      const list = byDestination.get(to);
      if (list) list.push(user);
      else byDestination.set(to, [user]);
    }
    for (const [to, moved] of byDestination) {
      const text = to ? `you were moved to another server (${to}) because ${deadId} stopped answering` : `your server ${deadId} stopped answering and no other sub-server is live yet`;
      this.d.notify(moved, { kind: 'sub.lost', text });
    }
    const summary = [...placement.values()].reduce((m, s) => m.set(s, (m.get(s) ?? 0) + 1), new Map<string, number>());
    log.info(`moved ${placement.size} of ${users.length} users of ${deadId}: ${[...summary].map(([s, n]) => `${n} → ${s}`).join(', ') || 'no live sub'}`);
  }

  /**
   * A sub drains: move its users to the others, spread by load; the draining sub may serve each of them
   * until `untilMs` (its clients move while they play). Returns how many moved and how many have nowhere to go.
   */
  moveUsersOff(subId: string, untilMs: number, nowMs = Date.now()): { moved: number; staying: number } {
    const { store, log } = this.d;
    const users = store.usersOfSub(subId);
    const placement = spreadUsers(this.d.registry(), store.assignedCounts(), users);
    for (const [user, to] of placement) this.assign(user, subId, to, Math.max(MOVE_GRACE_MS, untilMs - nowMs));
    if (placement.size > 0) {
      const summary = [...placement.values()].reduce((m, s) => m.set(s, (m.get(s) ?? 0) + 1), new Map<string, number>());
      log.info(`draining ${subId}: moved ${placement.size} of ${users.length} users (${[...summary].map(([s, n]) => `${n} → ${s}`).join(', ')})`);
    }
    this.d.changed();
    return { moved: placement.size, staying: users.length - placement.size };
  }

  /** Where `user` should connect: their current sub while it takes users, else the least-loaded one. */
  placeUser(user: string, currentSubId: string | null, unreachable?: string): SubPlacement {
    const registry = this.d.registry();
    const current = currentSubId ? registry.get(currentSubId) : undefined;
    // The client says it cannot reach its sub (frozen, or cut off from this client only): another one,
    // if any takes users. Only this user moves, as it could by logging in again.
    const avoid = unreachable !== undefined && unreachable === currentSubId;
    const healthy = current !== undefined && current.connected && current.probe.misses === 0;
    // Every session check lands here: a user whose sub is fine stays without anyone counting loads.
    if (healthy && !current.draining && !avoid) return placementOf(current);
    const best = leastLoaded(avoid ? new Map([...registry].filter(([id]) => id !== currentSubId)) : registry, this.d.store.assignedCounts());
    // A draining sub keeps only users nobody else can take.
    if (healthy && !best) return placementOf(current);
    if (!best) throw new WatchpartyError('NO_SUB');
    this.assign(user, currentSubId, best.id);
    if (current?.draining && current.connected) {
      this.d.log.info(`moved ${user} off draining ${current.id} to ${best.id}`);
    } else if (avoid && current?.connected) {
      this.d.log.info(`moved ${user} from ${current.id}, which it cannot reach, to ${best.id}`);
    } else if (currentSubId && currentSubId !== best.id) {
      // The client could not reach its sub and that sub has lost its link to us: move the user now
      // instead of after three missed probes, so playback barely pauses.
      this.d.log.info(`moved ${user} from unreachable ${currentSubId} to ${best.id}`);
      this.d.notify([user], { kind: 'sub.lost', text: `you were moved to another server (${best.id}) because ${currentSubId} is unreachable` });
    } else {
      this.d.log.info(`assigned ${user} to ${best.id}`);
    }
    this.d.changed();
    return placementOf(best);
  }

  /** Record that `user` now belongs to `to` (or nowhere); the sub they leave may serve them a little longer. */
  private assign(user: string, from: string | null | undefined, to: string | null, graceMs = MOVE_GRACE_MS): void {
    this.d.store.setUserSub(user, to);
    const move = startMove(from, to, Date.now(), graceMs);
    if (move) this.moves.set(user, move);
    else this.moves.delete(user);
  }
}
