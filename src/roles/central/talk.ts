/**
 * Talking, enforced on central: room chat (members only, not while muted, in each room's own order,
 * sent to every member through their sub) and direct messages (stored before the sender is answered,
 * pushed to the recipient's sub, listed again by any device that missed some). Every text goes through
 * cleanMessage; senders are rate-limited; no message text reaches the log above debug.
 */
import { WatchpartyError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { ChatLine, DirectMessage } from '../../net/chat-messages.js';
import { cleanMessage } from '../shared/message-text.js';
import type { QuotaBook } from '../shared/quota.js';
import type { Room } from '../shared/room.js';
import type { TalkStore } from './talk-store.js';

export interface TalkHooks {
  /** The room as `user` may see it (throws NOT_MEMBER / UNKNOWN_ROOM). */
  room(roomId: string, user: string): Room;
  /** The canonical name of a user, or undefined. */
  knownUser(name: string): string | undefined;
  chat(users: readonly string[], line: ChatLine): void;
  /** `prevId`: the recipient's message before this one (0: none), so a device can tell it missed one. */
  dm(user: string, message: DirectMessage, prevId: number): void;
}

export class TalkService {
  constructor(
    private readonly store: TalkStore,
    private readonly quotas: QuotaBook,
    private readonly log: Logger,
    private readonly hooks: TalkHooks,
  ) {}

  private spend(kind: 'chat' | 'dm', user: string): void {
    const waitMs = this.quotas.take(kind, user, Date.now());
    if (waitMs > 0) throw new WatchpartyError('RATE_LIMITED', `you sent many ${kind === 'chat' ? 'chat lines' : 'messages'} in a short time: wait ${Math.ceil(waitMs / 1000)} s`);
  }

  async say(user: string, roomId: string, raw: string): Promise<ChatLine> {
    const room = this.hooks.room(roomId, user);
    if (room.closed) throw new WatchpartyError('ROOM_CLOSED', `room ${roomId} is closed`);
    if (room.muted.some((m) => m.toLowerCase() === user.toLowerCase())) throw new WatchpartyError('MUTED', `${room.admin} muted you in room ${roomId}'s chat`);
    const text = cleanMessage(raw);
    this.spend('chat', user);
    const line = await this.store.addChat(roomId, user, text, Date.now());
    this.log.debug(`chat #${line.seq} in ${roomId} from ${user}: ${text}`);
    this.hooks.chat(room.members, line);
    return line;
  }

  history(user: string, roomId: string, afterSeq = 0, limit = 100): Promise<ChatLine[]> {
    this.hooks.room(roomId, user);
    return this.store.chat(roomId, afterSeq, limit);
  }

  async send(from: string, toName: string, raw: string): Promise<DirectMessage> {
    const to = this.hooks.knownUser(toName);
    if (!to) throw new WatchpartyError('UNKNOWN_USER', `no user named "${toName.slice(0, 40)}"`);
    const text = cleanMessage(raw);
    if (await this.store.blocks(to, from)) throw new WatchpartyError('BLOCKED', `${to} does not take messages from you`);
    this.spend('dm', from);
    const { message, prevId } = await this.store.addDm(from, to, text, Date.now());
    this.log.info(`message #${message.id} from ${from} to ${to}`);
    this.hooks.dm(to, message, prevId);
    return message;
  }

  async list(user: string, afterId: number, limit = 1000): Promise<{ messages: DirectMessage[]; unread: number }> {
    return { messages: await this.store.dms(user, afterId, limit), unread: await this.store.unread(user) };
  }

  async read(user: string, upToId: number): Promise<{ unread: number }> {
    await this.store.markRead(user, upToId, Date.now());
    return { unread: await this.store.unread(user) };
  }

  async block(user: string, name: string, on: boolean): Promise<{ blocked: string[] }> {
    const other = this.hooks.knownUser(name);
    if (!other) throw new WatchpartyError('UNKNOWN_USER', `no user named "${name.slice(0, 40)}"`);
    if (other.toLowerCase() === user.toLowerCase()) throw new WatchpartyError('BAD_INPUT', 'you cannot block yourself');
    return { blocked: await this.store.setBlocked(user, other, on) };
  }
}

