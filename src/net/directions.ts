/**
 * Who may send what to whom: the relay table (the requests a sub forwards to central for its clients'
 * users) and, generated from it, what each side of each link accepts.
 */
import * as z from 'zod';
import { events, requests, UserField, type EventBody, type EventName, type Params, type RequestName } from './messages.js';

/**
 * The relay table: every request a client sends to its sub that the sub forwards to central, acting for
 * the session's user. On the sub → central link each of them carries a required `user` (added by the
 * sub, checked by central against its assignment); a client never names itself. The accept lists below
 * and the sub's relays are generated from this one table.
 */
export const RELAYED = {
  'users.list': {},
  'notify.list': {},
  'notify.ack': {},
  'upload.begin': {},
  'upload.chunk': {},
  // Finishing hashes and probes the whole file on central: allow it minutes, not seconds.
  'upload.finish': { timeoutMs: 600_000 },
  'upload.cancel': {},
  'videos.list': {},
  'video.delete': {},
  'room.create': {},
  'rooms.list': {},
  'room.get': {},
  'room.control': {},
  'room.members': {},
  'room.queue': {},
  'room.join': {},
  'room.leave': {},
  'time.sync': {},
  'jobs.list': {},
  'jobs.retry': {},
  'jobs.cancel': {},
  'chat.send': {},
  'chat.history': {},
  'msg.send': {},
  'msg.list': {},
  'msg.ack': {},
  'msg.block': {},
} as const satisfies Partial<Record<RequestName, { timeoutMs?: number }>>;
export type RelayedName = keyof typeof RELAYED;
export const RELAYED_NAMES = Object.keys(RELAYED) as RelayedName[];
/** Events a client sends to its sub that the sub forwards to central with the acting user. */
export const RELAYED_EVENTS = ['room.heartbeat', 'room.presence'] as const satisfies readonly EventName[];
export type RelayedEventName = (typeof RELAYED_EVENTS)[number];

/** Whether `type` is relayed by subs (and so carries the acting `user` on the sub → central link). */
export function isRelayed(type: string): type is RelayedName | RelayedEventName {
  return Object.hasOwn(RELAYED, type) || (RELAYED_EVENTS as readonly string[]).includes(type);
}

const ActingUser = z.object({ user: UserField });
const actingSchemas = new Map<string, z.ZodType>();
/** The schema of a relayed message as central receives it: the client's fields plus the acting `user`. */
export function actingSchema(type: RelayedName | RelayedEventName): z.ZodType {
  let schema = actingSchemas.get(type);
  if (!schema) {
    const base = Object.hasOwn(RELAYED, type) ? requests[type as RelayedName].params : events[type as RelayedEventName];
    schema = (base as z.ZodObject).extend(ActingUser.shape);
    actingSchemas.set(type, schema);
  }
  return schema;
}
/** A relayed request's params as central's handler sees them. */
export type ActingParams<K extends RelayedName> = Params<K> & { user: string };
export type ActingEvent<E extends RelayedEventName> = EventBody<E> & { user: string };

/** What one side of a connection accepts: the message direction, in the spirit of vscode-jsonrpc. */
export interface Accepts {
  requests: readonly RequestName[];
  events: readonly EventName[];
  /** Relayed messages on this link carry the acting `user` (the sub → central link). */
  actingUser?: boolean;
}

/** What a worker sub asks central (the media-job leases and rendition replication). */
export const WORKER_REQUESTS = ['job.take', 'job.renew', 'job.put', 'job.done', 'job.fail', 'job.input', 'rendition.list', 'rendition.chunk'] as const satisfies readonly RequestName[];

/** A sub after hello, before central has checked its secret: it may only register. */
export const CentralAcceptsFromUnregisteredSub: Accepts = { requests: ['sub.register', 'sub.attach', 'status.get'], events: [] };
export const CentralAcceptsFromSub: Accepts = {
  requests: ['status.get', 'session.check', 'session.end', 'replica.list', 'replica.chunk', 'sub.drain', ...WORKER_REQUESTS, ...RELAYED_NAMES],
  events: [...RELAYED_EVENTS],
  actingUser: true,
};
export const CentralAcceptsFromClient: Accepts = {
  requests: ['status.get', 'auth.register', 'auth.login', 'auth.locate', 'sessions.list', 'sessions.revoke', 'auth.passwd', 'sub.drain'],
  events: [],
};
export const SubAcceptsFromCentral: Accepts = { requests: ['sub.probe', 'replica.read'], events: ['notify.push', 'session.revoked', 'video.added', 'video.removed', 'room.event', 'room.health', 'job.available', 'rendition.added', 'msg.push', 'room.chat', 'sub.draining'] };
export const SubAcceptsFromClient: Accepts = {
  requests: ['session.open', 'auth.logout', ...RELAYED_NAMES],
  events: [...RELAYED_EVENTS],
};
export const ClientAcceptsFromServer: Accepts = { requests: [], events: ['notify.push', 'room.event', 'room.health', 'msg.push', 'room.chat', 'talk.resync', 'session.move'] };
/** Before hello, a server accepts nothing else. */
export const HelloOnly: Accepts = { requests: ['hello'], events: [] };
