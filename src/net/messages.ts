/**
 * THE message catalogue: every request, reply and event that any role sends, as zod schemas.
 * Roles import shapes from here and nowhere else. A header on the wire is flat:
 *   request  {type, id, ...params}       reply {type:'reply', replyTo, result} | {type:'reply', replyTo, error}
 *   event    {type, ...fields}
 * Times are integer milliseconds with the unit in the name.
 */
import * as z from 'zod';

/** Bumped whenever a message changes shape: the newest protocol this build speaks. */
export const PROTOCOL_VERSION = 5;
/**
 * The oldest protocol this build still understands. Hello carries both ends of the range, and two
 * builds talk when their ranges overlap, in the newest protocol both speak: a rolling upgrade (drain a
 * sub, restart it on a new build) keeps a mixed cluster working.
 */
export const OLDEST_PROTOCOL = 5;

/** The protocol two ends use: the newest both speak, or undefined when their ranges do not meet. */
export function agreeProtocol(theirs: { protocol: number; oldest?: number | undefined }, ours = { newest: PROTOCOL_VERSION, oldest: OLDEST_PROTOCOL }): number | undefined {
  const newest = Math.min(theirs.protocol, ours.newest);
  return newest >= Math.max(theirs.oldest ?? theirs.protocol, ours.oldest) ? newest : undefined;
}

/** WebSocket close codes of our own (4000-4999), so the other side can log why. */
export const CloseCode = {
  badFrame: 4000,
  unknownType: 4001,
  tooManyBadMessages: 4002,
  protocolMismatch: 4003,
  badSecret: 4004,
  helloRequired: 4005,
  shutdown: 4010,
  replaced: 4011,
  declaredDead: 4012,
  loggedOut: 4013,
  moved: 4014,
  /** The peer stopped reading: more bytes wait for it than its cap. */
  sendQueueFull: 4015,
  /** No hello (or registration, or session) within the ready timeout. */
  notReady: 4016,
  /** Too many connections from one address. */
  tooManyConnections: 4017,
  /** Far more messages a second than any client sends. */
  flood: 4018,
  /** This central stopped leading (or stands by): reconnect to the leader. */
  notLeader: 4019,
} as const;

import { Int, Ms, NonNegInt, Sha256, SubId, Text } from './fields.js';
import { jobEvents, jobRequests, Processing, RenditionInfo } from './job-messages.js';
import { chatEvents, chatRequests } from './chat-messages.js';
import { drainEvents, drainRequests } from './drain-messages.js';
import { CentralList, CentralPins, clusterRequests, Fingerprint, Transfer } from './cluster-messages.js';

export { Fingerprint, ReplicaKindName, Transfer } from './cluster-messages.js';

export { SubId };
/** Central's clock when it sent a room message (ms): members measure how late its news reaches them. */
const SentAtMs = z.number().min(0).optional();
export const Token = z.string().min(16).max(128);
/** Accepted as any short string on the wire; central checks the name rules and answers INVALID_NAME. */
export const UserField = Text(256);
const PasswordField = Text(4096);

export const ErrorBody = z.object({
  code: Text(64),
  message: Text(2000),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export const Notification = z.object({
  id: NonNegInt,
  atMs: Ms,
  kind: z.enum(['user.registered', 'sub.joined', 'sub.lost', 'video.new', 'video.deleted', 'room.invite', 'system']),
  text: Text(2000),
});
export type Notification = z.infer<typeof Notification>;

/** A catalogue video, as every role sees it. `replicas` counts subs holding a verified copy. */
export const VideoInfo = z.object({
  id: Int.min(1),
  name: Text(400),
  size: NonNegInt,
  sha256: Sha256,
  durationMs: NonNegInt,
  width: NonNegInt,
  height: NonNegInt,
  videoCodec: Text(64),
  audioCodec: Text(64).nullable(),
  uploader: UserField,
  createdMs: Ms,
  replicas: NonNegInt,
  /** Lighter copies made by the subs (media jobs), best first; absent from older centrals. */
  renditions: z.array(RenditionInfo).max(32).optional(),
  /** How far making them is (absent: never planned). */
  processing: Processing.optional(),
});
export type VideoInfo = z.infer<typeof VideoInfo>;

export const RoomId = z.string().regex(/^r-[0-9a-f]{8}$/);

/** A video in a room's queue, and who put it there. */
export const QueueEntry = z.object({ videoId: Int.min(1), videoName: Text(400), durationMs: NonNegInt, by: UserField });

/** A room's full state (see roles/shared/room.ts for the rules). */
export const RoomState = z.object({
  id: RoomId,
  videoId: Int.min(1),
  videoName: Text(400),
  durationMs: NonNegInt,
  admin: UserField,
  members: z.array(UserField).max(200),
  watching: z.array(UserField).max(200),
  paused: z.boolean(),
  positionMs: NonNegInt,
  atMs: Ms,
  /** Playback rate (0.25–4); absent from older centrals, meaning 1. */
  speed: z.number().min(0.25).max(4).default(1),
  seq: NonNegInt,
  adminPresent: z.boolean(),
  adminSeenMs: Ms,
  resumeWhenAdminBack: z.boolean(),
  closed: z.boolean(),
  createdMs: Ms,
  watchedMs: Ms.optional(),
  /** Members the room is waiting for (buffering); empty when it is not waiting. */
  waitingFor: z.array(UserField).max(200).default([]),
  /** Members the admin let go on without ("catching up"): their buffering does not hold the room. */
  released: z.array(UserField).max(200).default([]),
  /** Go on by itself without a member who keeps stalling (AUTO_RELEASE in roles/shared/auto-release.ts). */
  autoRelease: z.boolean().default(false),
  /** The audio and subtitle tracks everyone plays (from 1; subtitles 0: off; absent: the file's default). */
  audioTrack: Int.min(1).max(64).optional(),
  subtitleTrack: Int.min(0).max(256).optional(),
  /** Members the admin muted: they may watch, not write in the room's chat. */
  muted: z.array(UserField).max(200).default([]),
  /** What plays next, in order; and what members proposed for the admin to accept. */
  queue: z.array(QueueEntry).max(50).default([]),
  suggestions: z.array(QueueEntry).max(20).default([]),
});
export type RoomState = z.infer<typeof RoomState>;

/** How a member's player is doing, as it reports with its presence. */
export const MemberReport = z.object({
  state: z.enum(['loading', 'playing', 'paused', 'seeking', 'stalled']),
  /** Seconds of video buffered ahead of the shown frame, in ms. */
  bufferedMs: NonNegInt.max(86_400_000),
  /** The rest of the file is buffered (nothing more to wait for). */
  eof: z.boolean(),
  /** The player's offset from the room (ms, + ahead), when it has one. */
  offsetMs: z.number().min(-86_400_000).max(86_400_000).optional(),
  /** The measured download rate (bytes/s), when measured. */
  rateBps: NonNegInt.max(1e11).optional(),
  /** The video's mean bitrate (bytes/s) as the member sees it, when known. */
  needBps: NonNegInt.max(1e11).optional(),
  /** The member measured its link below what the video needs (rateBps < needBps, with evidence). */
  slowLink: z.boolean().optional(),
  /** Round trip to central (ms) and what an exact seek costs this player (ms): they set the room's start lead. */
  rttMs: z.number().min(0).max(60_000).optional(),
  seekCostMs: z.number().min(0).max(60_000).optional(),
  /** How late central's room messages reached this member lately (ms, one way, the worst of 10 s). */
  deliveryMs: z.number().min(0).max(60_000).optional(),
  /** What it plays: `source`, a rendition such as `480p`, or `own` (its own copy on its disk). */
  rendition: z.string().regex(/^(source|own|\d{2,4}p)$/).optional(),
  /** The video its player has loaded (a report about the previous video of a queue says nothing of the next). */
  videoId: Int.min(1).optional(),
});
export type MemberReport = z.infer<typeof MemberReport>;

/** A member's latest report, as central shows it to the room. */
export const MemberHealth = MemberReport.extend({ user: UserField, ageMs: NonNegInt });
export type MemberHealth = z.infer<typeof MemberHealth>;

export const RoomEventBody = z.object({
  roomId: RoomId,
  seq: NonNegInt,
  change: z.enum(['queue', 'video', 'created', 'play', 'pause', 'seek', 'speed', 'waiting', 'ready', 'released', 'caught.up', 'admin.lost', 'admin.back', 'member.joined', 'member.left', 'member.invited', 'member.removed', 'admin.changed', 'setting', 'closed']),
  by: UserField,
  text: Text(1000),
});


export const SubStatus = z.object({
  id: SubId,
  address: Text(300),
  pid: NonNegInt,
  users: NonNegInt,
  clients: NonNegInt,
  state: z.enum(['alive', 'suspect']),
  misses: NonNegInt,
  lastSeenMs: Ms,
  /** Catalogue videos this sub holds verified replicas of. */
  videos: NonNegInt,
  transfers: z.array(Transfer),
  /** Set while the sub drains: central moves its users elsewhere and places nobody on it. */
  draining: z.object({ sinceMs: Ms, deadlineMs: Ms }).optional(),
});
export type SubStatus = z.infer<typeof SubStatus>;

export const ClusterStatus = z.object({
  instance: Text(100),
  startedAtMs: Ms,
  uptimeMs: Ms,
  heartbeatMs: Ms,
  users: NonNegInt,
  videos: NonNegInt,
  subs: z.array(SubStatus),
  /** Central's store: which kind, and the rows it has written since central started. */
  store: z.object({ kind: z.enum(['sqlite', 'postgres']), rowsWritten: NonNegInt }).optional(),
  /** Centrals sharing the store (PostgreSQL): which leads, which stand by, and when each last renewed or polled. */
  centrals: z.array(z.object({ address: Text(300), leading: z.boolean(), seenAgoMs: Ms })).max(16).optional(),
});
export type ClusterStatus = z.infer<typeof ClusterStatus>;

const Empty = z.object({});
/** Where a user connects; `subFingerprint` is set when that sub serves TLS (clients pin it without asking). */
const Placement = z.object({ subId: SubId, subAddress: Text(300), subFingerprint: Fingerprint.optional() });

/** Every request: its params (flat in the header) and its result. */
export const requests = {
  /** First message on every connection, both ways of the handshake. */
  hello: {
    /** `protocol`: the newest this end speaks; `oldest`: the oldest it still understands (absent: only `protocol`). */
    params: z.object({ protocol: Int, oldest: Int.optional(), role: z.enum(['sub', 'client']), version: Text(64) }),
    /**
     * `centrals`: from a leading central, every central of the cluster (`host:port`), for the next failover;
     * `pins`: the certificates of those that serve TLS, vouched for by the leader (trusted only over a pinned link).
     */
    result: z.object({
      protocol: Int,
      role: z.enum(['central', 'sub']),
      instanceId: Text(100),
      centrals: CentralList.optional(),
      pins: CentralPins.optional(),
    }),
  },
  /** anyone → central: the cluster as central sees it. */
  'status.get': { params: Empty, result: ClusterStatus },

  /** client → central */
  'auth.register': {
    params: z.object({ user: UserField, password: PasswordField, repeat: PasswordField }),
    result: Placement.extend({ user: UserField, token: Token }),
  },
  'auth.login': {
    params: z.object({ user: UserField, password: PasswordField }),
    result: Placement.extend({ user: UserField, token: Token }),
  },
  /** client → central after losing its sub: where do I go now? */
  /**
   * client → central: where to connect now. `unreachable`: the sub this client could not reach (frozen,
   * cut off): central places the user elsewhere if another sub takes users (a user only moves itself).
   */
  'auth.locate': { params: z.object({ token: Token, unreachable: SubId.optional() }), result: Placement },
  /** client → central: my sessions (ids are digest prefixes, never tokens); `current` marks this one. */
  'sessions.list': {
    params: z.object({ token: Token }),
    result: z.object({ sessions: z.array(z.object({ id: z.string().regex(/^[0-9a-f]{12}$/), createdMs: Ms, lastUsedMs: Ms, source: Text(64), current: z.boolean() })).max(1000) }),
  },
  /** client → central: end one of my sessions by id (`sessionId`: `id` is the frame's), or every other one. */
  'sessions.revoke': {
    params: z.object({ token: Token, sessionId: z.string().regex(/^[0-9a-f]{4,64}$/).optional(), others: z.boolean().optional() }),
    result: z.object({ revoked: NonNegInt }),
  },
  /** client → central: change my password; every other session of mine ends. */
  'auth.passwd': {
    params: z.object({ token: Token, password: PasswordField, newPassword: PasswordField, repeat: PasswordField }),
    result: z.object({ revoked: NonNegInt }),
  },

  /** client → sub: attach this connection to a session. */
  'session.open': {
    params: z.object({ token: Token }),
    result: Placement.extend({ user: UserField }),
  },
  /** client → sub: end this session everywhere (the sub asks central with session.end). */
  'auth.logout': { params: Empty, result: Empty },
  /** sub → central: revoke a token on every sub. */
  'session.end': { params: z.object({ token: Token }), result: Empty },
  'users.list': { params: Empty, result: z.object({ users: z.array(UserField) }) },
  /** client → sub → central: my unacknowledged notifications, oldest first. */
  'notify.list': { params: Empty, result: z.object({ items: z.array(Notification) }) },
  /** client → sub: acknowledge every notification up to and including `upToId`. */
  'notify.ack': { params: z.object({ upToId: NonNegInt }), result: Empty },

  /** client → sub → central: reserve a name (or resume our own reservation of it). */
  'upload.begin': {
    params: z.object({ name: Text(1000), size: NonNegInt, sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
    result: z.object({ uploadId: z.string().regex(/^[0-9a-f]{32}$/), offset: NonNegInt, chunkBytes: Int.min(1), leaseMs: Ms, resumed: z.boolean() }),
  },
  /** One chunk as the frame's raw payload, at `offset`; the reply is the offset stored so far. */
  'upload.chunk': {
    params: z.object({ uploadId: z.string().regex(/^[0-9a-f]{32}$/), offset: NonNegInt }),
    result: z.object({ offset: NonNegInt }),
  },
  'upload.finish': { params: z.object({ uploadId: z.string().regex(/^[0-9a-f]{32}$/) }), result: z.object({ video: VideoInfo }) },
  'upload.cancel': { params: z.object({ uploadId: z.string().regex(/^[0-9a-f]{32}$/) }), result: Empty },
  'videos.list': { params: Empty, result: z.object({ videos: z.array(VideoInfo) }) },
  /**
   * Delete a video everywhere: its uploader may, and so may an operator who sends the cluster secret.
   * Rooms on it are closed; `closedRooms` says how many.
   */
  'video.delete': {
    params: z.object({ videoId: Int.min(1), secret: Text(1024).optional() }),
    result: z.object({ name: Text(400), closedRooms: NonNegInt }),
  },
  /** sub → central: the whole catalogue, for the sub's own replication (acting for no user). */
  'replica.list': { params: Empty, result: z.object({ videos: z.array(VideoInfo) }) },

  /** Rooms: client → sub → central. Central enforces membership and admin rights. */
  'room.create': { params: z.object({ videoId: Int.min(1), invite: z.array(UserField).max(100) }), result: z.object({ room: RoomState }) },
  'rooms.list': { params: Empty, result: z.object({ rooms: z.array(RoomState) }) },
  /** A room's state, with its watching members' latest reports. */
  'room.get': { params: z.object({ roomId: RoomId }), result: z.object({ room: RoomState, health: z.array(MemberHealth).max(200).default([]) }) },
  'room.control': {
    params: z.object({
      roomId: RoomId,
      /** `go`: go on without the members the room waits for (or only `member`). `auto-release`: `on` or off. */
      action: z.enum(['play', 'pause', 'seek', 'speed', 'go', 'auto-release', 'tracks', 'close']),
      on: z.boolean().optional(),
      /** `tracks`: the audio track (from 1) and/or the subtitle track (0: off). */
      audio: Int.min(1).max(64).optional(),
      subtitles: Int.min(0).max(256).optional(),
      positionMs: NonNegInt.optional(),
      rate: z.number().min(0.25).max(4).optional(),
      member: UserField.optional(),
    }),
    result: z.object({ room: RoomState }),
  },
  /** Admin only: invite users, remove a member, or hand the admin role to a member. */
  'room.members': {
    params: z.object({ roomId: RoomId, action: z.enum(['invite', 'remove', 'handover', 'mute', 'unmute']), users: z.array(UserField).min(1).max(100) }),
    result: z.object({ room: RoomState }),
  },
  /**
   * A room's queue: the admin adds (at a place), removes, moves, accepts or rejects a suggestion, or
   * skips to the next now; any member suggests. Places count from 0.
   */
  'room.queue': {
    params: z.object({
      roomId: RoomId,
      op: z.enum(['add', 'remove', 'move', 'accept', 'reject', 'next', 'suggest']),
      videoId: Int.min(1).optional(),
      index: Int.min(0).max(99).optional(),
      to: Int.min(0).max(99).optional(),
    }),
    result: z.object({ room: RoomState }),
  },
  /** Open (watch) a room: returns its state; `leave` when the player closes. */
  'room.join': { params: z.object({ roomId: RoomId }), result: z.object({ room: RoomState }) },
  'room.leave': { params: z.object({ roomId: RoomId }), result: Empty },
  /** NTP-style clock exchange: central's clock (ms, fractional) when it answered. */
  'time.sync': { params: Empty, result: z.object({ centralMs: z.number().nonnegative() }) },

  /** sub → central: who owns this token, and which sub serves them. */
  'session.check': { params: z.object({ token: Token }), result: Placement.extend({ user: UserField }) },
  ...clusterRequests,
  ...jobRequests,
  ...chatRequests,
  ...drainRequests,
} as const;

/** Every event (one-way message). */
export const events = {
  /** sub → client, central → sub: new notifications (central adds `user` to route them). */
  'notify.push': z.object({ user: UserField.optional(), items: z.array(Notification).max(1000) }),
  /** The admin's client says it is there (every second); central pauses the room after 3 s without. */
  'room.heartbeat': z.object({ roomId: RoomId }),
  /** Every member's client, every second and at once when it changes: how its player is doing. Counts as the admin's heartbeat. */
  'room.presence': z.object({ roomId: RoomId, report: MemberReport }),
  /** central → sub → client: every watching member's latest report (about once a second while it changes). */
  'room.health': z.object({ roomId: RoomId, members: z.array(MemberHealth).max(200), to: z.array(UserField).max(200).optional(), sentAtMs: SentAtMs }),
  /** central → sub → client: one sequenced room change with the room's state after it. `to` routes it. */
  'room.event': z.object({ event: RoomEventBody, room: RoomState, to: z.array(UserField).max(200).optional(), sentAtMs: SentAtMs }),
  /** central → subs: a video joined the catalogue; replicate it now. */
  'video.added': z.object({ video: VideoInfo }),
  /** central → subs: a video left the catalogue; drop its replica and stop its streams. */
  'video.removed': z.object({ videoId: Int.min(1) }),
  /** central → subs: a token was logged out; drop it from caches and close its connections. */
  'session.revoked': z.object({ tokenSha: z.string().regex(/^[0-9a-f]{64}$/) }),
  ...jobEvents,
  ...chatEvents,
  ...drainEvents,
} as const;

export type RequestName = keyof typeof requests;
export type EventName = keyof typeof events;
export type Params<K extends RequestName> = z.infer<(typeof requests)[K]['params']>;
export type Result<K extends RequestName> = z.infer<(typeof requests)[K]['result']>;
export type EventBody<E extends EventName> = z.infer<(typeof events)[E]>;

/** The reply header; `result` is checked against the request's own schema by the requester. */
export const Reply = z.union([
  /** A result too large for a header travels as JSON in the payload (still checked against its schema). */
  z.object({ type: z.literal('reply'), replyTo: NonNegInt, resultInPayload: z.literal(true) }),
  z.object({ type: z.literal('reply'), replyTo: NonNegInt, result: z.unknown() }),
  z.object({ type: z.literal('reply'), replyTo: NonNegInt, error: ErrorBody }),
]);

/** Zod issues as one short readable line: `user: expected string; port: too big`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(header)'}: ${i.message}`)
    .join('; ');
}
