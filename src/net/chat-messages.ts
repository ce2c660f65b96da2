/**
 * The talking part of the catalogue (messages.ts spreads these into its requests and events): room
 * chat, in each room's own total order, and direct messages stored by central until read, pushed to
 * every connection of the recipient and listed again by any device that missed some (by id).
 */
import * as z from 'zod';
import { Int, Ms, NonNegInt, Text } from './fields.js';

const RoomIdField = z.string().regex(/^r-[0-9a-f]{8}$/);
const User = Text(256);
/** A message as written (central cleans it: one line, at most 500 characters). */
const Written = Text(4000);

/** One line of a room's chat, numbered in the room's chat order. */
export const ChatLine = z.object({ roomId: RoomIdField, seq: Int.min(1), atMs: Ms, user: User, text: Text(2000) });
export type ChatLine = z.infer<typeof ChatLine>;

/** A direct message; ids grow with every message central stores (the order of a user's inbox). */
export const DirectMessage = z.object({ id: Int.min(1), from: User, to: User, atMs: Ms, text: Text(2000), read: z.boolean() });
export type DirectMessage = z.infer<typeof DirectMessage>;

export const chatRequests = {
  /** client → sub → central: write in a room (members only; not while muted). */
  'chat.send': { params: z.object({ roomId: RoomIdField, text: Written }), result: z.object({ line: ChatLine }) },
  /** client → sub → central: a room's chat after `afterSeq` (the last `limit`, at most 100). */
  'chat.history': { params: z.object({ roomId: RoomIdField, afterSeq: NonNegInt.optional(), limit: Int.min(1).max(100).optional() }), result: z.object({ lines: z.array(ChatLine).max(100) }) },
  /** client → sub → central: a direct message; it is stored before this answers. */
  'msg.send': { params: z.object({ to: User, text: Written }), result: z.object({ message: DirectMessage }) },
  /** client → sub → central: my messages after `afterId` (oldest first), and how many are unread. */
  'msg.list': { params: z.object({ afterId: NonNegInt, limit: Int.min(1).max(1000).optional() }), result: z.object({ messages: z.array(DirectMessage).max(1000), unread: NonNegInt }) },
  /** client → sub → central: every message of mine up to `upToId` is read (on any device). */
  'msg.ack': { params: z.object({ upToId: NonNegInt }), result: z.object({ unread: NonNegInt }) },
  /** client → sub → central: stop (or allow again) someone's messages to me. */
  'msg.block': { params: z.object({ name: User, on: z.boolean() }), result: z.object({ blocked: z.array(User).max(10_000) }) },
} as const;

export const chatEvents = {
  /**
   * central → sub → client: new direct messages (central adds `user` to route them). `prevId` is the
   * recipient's message before the first of them: a device that has not shown it missed a push, and lists.
   */
  'msg.push': z.object({ user: User.optional(), messages: z.array(DirectMessage).max(1000), prevId: NonNegInt.optional() }),
  /** sub → client: the sub is back with central after losing it; pushes may have been lost, so list again. */
  'talk.resync': z.object({}),
  /** central → sub → client: a line of a room's chat (central adds `to`: the members it is for). */
  'room.chat': z.object({ line: ChatLine, to: z.array(User).max(200).optional() }),
} as const;
