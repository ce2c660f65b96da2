/**
 * The TUI's direct messages, part of LiveClientSession: what this user received (listed again after
 * every reconnect, so nothing said while away or during a failover is missed) and sent from here,
 * de-duplicated by id, the unread count central keeps for all the user's devices, and sending,
 * reading and blocking.
 */
import type { DirectMessage } from '../../net/chat-messages.js';
import type { Peer } from '../../net/peer.js';
import type { ClientSnapshot } from '../../tui/client-session.js';
import type { Session } from './connect.js';
import { failureText } from './session-room.js';

/** Messages the tab keeps. */
export const MESSAGES_KEPT = 500;
/** Pages when catching up (central keeps at most 10,000 per user). */
const PAGE = 1000;

export interface MessagesHost {
  peer(): Peer;
  snapshot(): ClientSnapshot;
  set(change: Pick<ClientSnapshot, 'messages' | 'unreadMessages'>): void;
  toast(text: string, tone?: 'info' | 'warn' | 'error'): void;
}

/** `mine` plus `more`, one per id, oldest first, the last MESSAGES_KEPT. */
export function mergeMessages(mine: readonly DirectMessage[], more: readonly DirectMessage[]): DirectMessage[] {
  const byId = new Map(mine.map((m) => [m.id, m]));
  for (const m of more) byId.set(m.id, { ...byId.get(m.id), ...m });
  return [...byId.values()].sort((a, b) => a.id - b.id).slice(-MESSAGES_KEPT);
}

export class TuiMessages {
  /** Every message to us up to this id is held (listed, or pushed right after one held). */
  private through = 0;
  /** Listings run one at a time, in order. */
  private listing: Promise<void> = Promise.resolve();

  constructor(private readonly host: MessagesHost) {}

  /**
   * A new session: listen for pushes, then list what arrived since the last message held in order. A
   * push that follows one we do not hold, or the sub's word that it is back with central, lists again.
   */
  async attach(session: Session): Promise<void> {
    session.peer.on('msg.push', (body) => {
      if (body.prevId !== undefined && body.prevId > this.through) void this.list(session.peer);
      else {
        this.add(body.messages, undefined);
        this.through = Math.max(this.through, ...body.messages.map((m) => m.id));
      }
    });
    session.peer.on('talk.resync', () => void this.list(session.peer));
    await this.list(session.peer);
  }

  private list(peer: Peer): Promise<void> {
    const run = async () => {
      let after = this.through;
      for (let page = 0; page < 20; page++) {
        const { messages, unread } = await peer.request('msg.list', { afterId: after, limit: PAGE });
        this.add(messages, unread);
        if (messages.length > 0) after = messages.at(-1)!.id;
        this.through = Math.max(this.through, after);
        if (messages.length < PAGE) break;
      }
    };
    this.listing = this.listing.then(run, run);
    return this.listing;
  }

  private add(messages: readonly DirectMessage[], unread: number | undefined): void {
    const snap = this.host.snapshot();
    const fresh = messages.filter((m) => !m.read && !snap.messages.some((x) => x.id === m.id)).length;
    this.host.set({ messages: mergeMessages(snap.messages, messages), unreadMessages: unread ?? snap.unreadMessages + fresh });
  }

  /**
   * Everything received so far is read, here and on every other device: up to the last message held in
   * order (never past one this device has not shown). Central still counting unread ones means some did
   * not reach us: list them rather than acknowledge again.
   */
  markRead(): void {
    const snap = this.host.snapshot();
    const last = snap.messages.filter((m) => !m.read).at(-1);
    if (!last && snap.unreadMessages === 0) return;
    const upToId = this.through;
    this.host.set({ messages: snap.messages.map((m) => (m.read || m.id > upToId ? m : { ...m, read: true })), unreadMessages: 0 });
    void this.request(async (peer) => {
      const { unread } = await peer.request('msg.ack', { upToId });
      if (unread > 0) await this.list(peer);
    });
  }

  async send(to: string, text: string): Promise<void> {
    await this.request(async (peer) => {
      const { message } = await peer.request('msg.send', { to, text });
      // Our own message is read by definition; it is listed with what we received.
      this.host.set({ messages: mergeMessages(this.host.snapshot().messages, [{ ...message, read: true }]), unreadMessages: this.host.snapshot().unreadMessages });
      this.host.toast(`sent to ${message.to}`);
    });
  }

  async block(user: string, on: boolean): Promise<void> {
    await this.request(async (peer) => {
      await peer.request('msg.block', { name: user, on });
      this.host.toast(on ? `${user} can no longer message you (u on one of their messages to allow them again)` : `${user} may message you again`);
    });
  }

  private async request(fn: (peer: Peer) => Promise<unknown>): Promise<void> {
    try {
      await fn(this.host.peer());
    } catch (err) {
      this.host.toast(failureText(err), 'error');
    }
  }
}
