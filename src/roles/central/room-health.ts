/**
 * Central's memory of how each watching member's player is doing (their latest `room.presence`
 * reports). Kept out of the room's saved state: reports come every second, and a room is written to
 * disk only when it really changes.
 */
import type { MemberHealth, MemberReport } from '../../net/messages.js';
import type { HealthEntry } from '../shared/readiness.js';

export class HealthBook {
  private readonly rooms = new Map<string, Map<string, HealthEntry>>();
  /** Rooms whose reports changed since they were last sent out. */
  private readonly dirty = new Set<string>();
  /** When each room's reports were last sent out. */
  private readonly pushedMs = new Map<string, number>();

  record(roomId: string, user: string, report: MemberReport, nowMs: number): void {
    let members = this.rooms.get(roomId);
    if (!members) this.rooms.set(roomId, (members = new Map()));
    members.set(user.toLowerCase(), { ...report, atMs: nowMs });
    this.dirty.add(roomId);
  }

  of(roomId: string): ReadonlyMap<string, HealthEntry> {
    return this.rooms.get(roomId) ?? new Map();
  }

  /** Forget a member's reports (they left), or a whole room's (it closed). */
  forget(roomId: string, user?: string): void {
    if (user === undefined) {
      this.rooms.delete(roomId);
      this.dirty.delete(roomId);
      this.pushedMs.delete(roomId);
    }
    else if (this.rooms.get(roomId)?.delete(user.toLowerCase())) this.dirty.add(roomId);
  }

  /** The reports of `watching`, as the room shows them (names as the room spells them). */
  view(roomId: string, watching: readonly string[], nowMs: number): MemberHealth[] {
    const members = this.of(roomId);
    const out: MemberHealth[] = [];
    for (const user of watching) {
      const h = members.get(user.toLowerCase());
      if (!h) continue;
      const { atMs, ...report } = h;
      out.push({ ...report, user, ageMs: Math.max(0, Math.round(nowMs - atMs)) });
    }
    return out;
  }

  /**
   * Rooms to send out now: changed since their last push, which was at least `everyMs` ago. Asked every
   * tick, this spreads the pushes over the interval as the reports are spread (all rooms at once every
   * second was a burst that held every room's controls up for hundreds of ms at 500 rooms).
   */
  takeDue(nowMs: number, everyMs: number): string[] {
    const due: string[] = [];
    for (const id of this.dirty) {
      if (nowMs - (this.pushedMs.get(id) ?? -Infinity) < everyMs) continue;
      due.push(id);
      this.dirty.delete(id);
      this.pushedMs.set(id, nowMs);
    }
    return due;
  }
}
