/**
 * How central reaches users and subs: a notification is stored, then pushed through the recipient's
 * sub; a room event goes once to each member's sub, naming the members it is for; cluster news goes
 * to every connected sub.
 */
import type { Peer } from '../../net/peer.js';
import type { EventBody, EventName, Notification } from '../../net/messages.js';
import { isDiskFull } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { Room, RoomEvent } from '../shared/room.js';
import type { ChatLine, DirectMessage } from '../../net/chat-messages.js';
import type { CentralStore } from './store.js';

/** Central's clock as time.sync gives it to members (a room message's `sentAtMs` is read against it). */
export const centralClock = () => performance.timeOrigin + performance.now();

export class Delivery {
  constructor(
    private readonly store: CentralStore,
    private readonly log: Logger,
    /** The connected subs' control links, by id. */
    private readonly subPeers: ReadonlyMap<string, Peer>,
  ) {}

  /** Store a notification for each recipient and push it through their sub, if that sub is connected. */
  notify(users: readonly string[], n: { kind: Notification['kind']; text: string }): void {
    if (users.length === 0) return;
    this.store.addNotifications(users, { ...n, atMs: Date.now() }).then(
      (stored) => {
        for (const [user, item] of stored) void this.subOf(user)?.emit('notify.push', { user, items: [item] });
      },
      (err: Error) => {
        // A notification is news, not state: losing one on a full disk beats failing what caused it.
        if (isDiskFull(err)) this.log.warn(`the disk is full: dropped a ${n.kind} notification for ${users.length} user(s)`);
        else this.log.error(`could not store a ${n.kind} notification for ${users.length} user(s): ${err.message}`);
      },
    );
  }

  /** Send a room event to each member's sub, once per sub, naming the members it is for. */
  roomEvent(users: readonly string[], event: RoomEvent, room: Room): void {
    const sentAtMs = centralClock();
    for (const [subId, to] of this.bySub(users)) void this.subPeers.get(subId)?.emit('room.event', { event, room, to, sentAtMs });
  }

  /** A room's chat line to its members' subs, once per sub. */
  chat(users: readonly string[], line: ChatLine): void {
    for (const [subId, to] of this.bySub(users)) void this.subPeers.get(subId)?.emit('room.chat', { line, to });
  }

  /** A direct message to its recipient's sub (every connection of theirs there gets it). */
  dm(user: string, message: DirectMessage, prevId: number): void {
    void this.subOf(user)?.emit('msg.push', { user, messages: [message], prevId });
  }

  /** Send the members' latest reports to the watchers' subs, once per sub. */
  roomHealth(users: readonly string[], body: Omit<EventBody<'room.health'>, 'to' | 'sentAtMs'>): void {
    const sentAtMs = centralClock();
    for (const [subId, to] of this.bySub(users)) void this.subPeers.get(subId)?.emit('room.health', { ...body, to, sentAtMs });
  }

  private bySub(users: readonly string[]): Map<string, string[]> {
    const bySub = new Map<string, string[]>();
    for (const u of users) {
      const subId = this.store.getUser(u)?.subId;
      if (subId) bySub.set(subId, [...(bySub.get(subId) ?? []), u]);
    }
    return bySub;
  }

  /** Tell every connected sub. */
  toSubs<E extends EventName>(type: E, body: EventBody<E>): void {
    for (const peer of this.subPeers.values()) void peer.emit(type, body);
  }

  private subOf(user: string): Peer | undefined {
    const subId = this.store.getUser(user)?.subId;
    return subId ? this.subPeers.get(subId) : undefined;
  }
}
