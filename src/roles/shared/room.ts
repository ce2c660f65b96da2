/**
 * A watch-party room as a pure state machine. Central feeds it controls, heartbeats and ticks with the
 * clock passed in; it returns the new state and the events to send, each with the next sequence
 * number, so every member applies the same changes in the same order.
 *
 * Playback is "position P at central time atMs": while playing, the expected position at central time
 * T is P + (T - atMs), and before atMs it is P (a play or seek scheduled a little in the future lets
 * every member seek first and then start on the same frame).
 */
import { WatchpartyError } from '../../core/errors.js';
import { clock, positionAt, roomSpeed, speedText } from '../../core/playback.js';

export { clock, positionAt };
export { SPEED_RANGE, SPEED_STEPS, roomSpeed, speedText, stepSpeed } from '../../core/playback.js';

export interface Room {
  id: string;
  videoId: number;
  videoName: string;
  durationMs: number;
  admin: string;
  members: string[];
  /** Members whose player is open on this room right now. */
  watching: string[];
  paused: boolean;
  positionMs: number;
  atMs: number;
  /** Playback rate, 0.25–4 (rooms saved before speed existed are loaded with 1). */
  speed: number;
  seq: number;
  adminPresent: boolean;
  adminSeenMs: number;
  /** Whether the admin left it playing: restored when a silent admin comes back. */
  resumeWhenAdminBack: boolean;
  closed: boolean;
  createdMs: number;
  /** When a member last opened or left it (rooms saved before this field have none). */
  watchedMs?: number;
}

export type RoomChange = 'created' | 'play' | 'pause' | 'seek' | 'speed' | 'admin.lost' | 'admin.back' | 'member.joined' | 'member.left' | 'member.invited' | 'member.removed' | 'admin.changed' | 'closed';

export type RoomInput =
  | { type: 'play' }
  | { type: 'pause' }
  | { type: 'seek'; positionMs: number }
  /** Playback rate; clamped to SPEED_RANGE. */
  | { type: 'speed'; rate: number }
  | { type: 'close' }
  /** Admin only; `users` are canonical names the caller has checked exist. */
  | { type: 'invite'; users: string[] }
  | { type: 'remove'; user: string }
  | { type: 'handover'; to: string }
  | { type: 'heartbeat' }
  | { type: 'join' }
  | { type: 'leave' }
  | { type: 'tick' }
  /** Central, for anyone allowed to delete the room's video (`by` need not be a member): close it. */
  | { type: 'videoDeleted' };

export interface RoomEvent {
  roomId: string;
  seq: number;
  change: RoomChange;
  by: string;
  /** Human text for OSDs and logs: "alice paused at 12:03". */
  text: string;
}

export const ROOM_RULES = {
  /** No admin heartbeat for this long and the room pauses for everyone. */
  adminSilenceMs: 3000,
  /**
   * A play or seek starts this far in the future, so every member has time to seek and buffer before
   * the common start instant (measured: an exact seek on a local replica takes 20-120 ms).
   */
  startLeadMs: 400,
  /** A room nobody has open, and nobody has opened or controlled for this long, closes by itself. */
  idleCloseMs: 7 * 86_400_000,
};

export type RoomRules = typeof ROOM_RULES;

export function lastUsedMs(room: Pick<Room, 'createdMs' | 'adminSeenMs' | 'watchedMs'>): number {
  return Math.max(room.createdMs, room.adminSeenMs, room.watchedMs ?? 0);
}

/** "7 days", "5 hours", "3 minutes", "20 seconds": how long idle rooms last, for the closing message. */
function span(ms: number): string {
  const [n, unit] = ms >= 2 * 86_400_000 ? [ms / 86_400_000, 'day'] : ms >= 2 * 3_600_000 ? [ms / 3_600_000, 'hour'] : ms >= 120_000 ? [ms / 60_000, 'minute'] : [ms / 1000, 'second'];
  const whole = Math.round(n);
  return `${whole} ${unit}${whole === 1 ? '' : 's'}`;
}

export function newRoom(p: { id: string; videoId: number; videoName: string; durationMs: number; admin: string; invite: string[]; nowMs: number }): { room: Room; event: RoomEvent } {
  const members = [p.admin, ...p.invite.filter((u) => u.toLowerCase() !== p.admin.toLowerCase())];
  const room: Room = {
    id: p.id,
    videoId: p.videoId,
    videoName: p.videoName,
    durationMs: p.durationMs,
    admin: p.admin,
    members,
    watching: [],
    paused: true,
    positionMs: 0,
    atMs: p.nowMs,
    speed: 1,
    seq: 1,
    adminPresent: false,
    adminSeenMs: p.nowMs,
    resumeWhenAdminBack: false,
    closed: false,
    createdMs: p.nowMs,
  };
  return { room, event: { roomId: p.id, seq: 1, change: 'created', by: p.admin, text: `${p.admin} created a room for ${p.videoName}` } };
}

export function isMember(room: Room, user: string): boolean {
  return room.members.some((m) => m.toLowerCase() === user.toLowerCase());
}

function same(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** Apply one input from `by` at central time `nowMs`. Throws NOT_MEMBER / NOT_ADMIN / ROOM_CLOSED. */
export function step(room: Room, by: string, input: RoomInput, nowMs: number, rules: RoomRules = ROOM_RULES): { room: Room; events: RoomEvent[] } {
  if (input.type !== 'tick' && input.type !== 'videoDeleted') {
    if (!isMember(room, by)) throw new WatchpartyError('NOT_MEMBER', `${by} is not a member of room ${room.id}`);
    if (room.closed) throw new WatchpartyError('ROOM_CLOSED', `room ${room.id} is closed`);
  } else if (room.closed || (input.type === 'tick' && !(room.adminPresent ? nowMs - room.adminSeenMs > rules.adminSilenceMs : room.watching.length === 0 && nowMs - lastUsedMs(room) > rules.idleCloseMs))) {
    // Central ticks every open room many times a second: nothing due is answered without a copy.
    return { room, events: [] };
  }
  const isAdmin = same(by, room.admin);
  const controls = ['play', 'pause', 'seek', 'speed', 'close', 'invite', 'remove', 'handover'].includes(input.type);
  if (controls && !isAdmin) throw new WatchpartyError('NOT_ADMIN', `only the admin (${room.admin}) controls this room`);

  let next: Room = { ...room };
  const events: RoomEvent[] = [];
  const emit = (change: RoomChange, text: string) => {
    next = { ...next, seq: next.seq + 1 };
    events.push({ roomId: room.id, seq: next.seq, change, by, text });
  };
  const here = positionAt(room, nowMs);
  // Any control from the admin proves they are there.
  if (isAdmin && input.type !== 'tick' && input.type !== 'leave') {
    next.adminSeenMs = nowMs;
    if (!room.adminPresent && input.type !== 'heartbeat' && input.type !== 'join') next.adminPresent = true;
  }

  switch (input.type) {
    case 'play':
      if (!room.paused) break;
      next = { ...next, paused: false, positionMs: here, atMs: nowMs + rules.startLeadMs, resumeWhenAdminBack: true, adminPresent: true };
      emit('play', `${by} played at ${clock(here)}`);
      break;
    case 'pause':
      if (room.paused) break;
      next = { ...next, paused: true, positionMs: here, atMs: nowMs, resumeWhenAdminBack: false };
      emit('pause', `${by} paused at ${clock(here)}`);
      break;
    case 'seek': {
      const to = Math.max(0, Math.min(room.durationMs, Math.round(input.positionMs)));
      next = { ...next, positionMs: to, atMs: room.paused ? nowMs : nowMs + rules.startLeadMs };
      emit('seek', `${by} jumped to ${clock(to)}`);
      break;
    }
    case 'speed': {
      const rate = roomSpeed(input.rate);
      if (rate === room.speed) break;
      // From here, at the new rate; a playing room restarts a lead ahead so everyone changes together.
      next = { ...next, speed: rate, positionMs: here, atMs: room.paused ? nowMs : nowMs + rules.startLeadMs };
      emit('speed', `${by} set the speed to ${speedText(rate)}`);
      break;
    }
    case 'close':
      next = { ...next, closed: true, paused: true, positionMs: here, atMs: nowMs };
      emit('closed', `${by} closed the room`);
      break;
    case 'videoDeleted':
      next = { ...next, closed: true, paused: true, positionMs: here, atMs: nowMs };
      emit('closed', `${by} deleted "${room.videoName}": the room is closed`);
      break;
    case 'invite': {
      const added = input.users.filter((u, i) => !isMember(next, u) && input.users.findIndex((v) => same(u, v)) === i);
      if (added.length === 0) break;
      next = { ...next, members: [...room.members, ...added] };
      emit('member.invited', `${by} invited ${added.join(', ')}`);
      break;
    }
    case 'remove': {
      if (same(input.user, room.admin)) throw new WatchpartyError('BAD_INPUT', 'the admin cannot be removed: hand the room over first (room admin ROOM USER), or close it');
      const gone = room.members.find((m) => same(m, input.user));
      if (!gone) throw new WatchpartyError('NOT_MEMBER', `${input.user} is not a member of room ${room.id}`);
      next = { ...next, members: room.members.filter((m) => !same(m, gone)), watching: room.watching.filter((w) => !same(w, gone)) };
      emit('member.removed', `${by} removed ${gone} from the room`);
      break;
    }
    case 'handover': {
      const to = room.members.find((m) => same(m, input.to));
      if (!to) throw new WatchpartyError('NOT_MEMBER', `${input.to} is not a member of room ${room.id}: invite them first`);
      if (same(to, room.admin)) break;
      // The new admin is present only if their player is open; a playing room with no admin watching
      // pauses, as it would for a silent admin, and resumes when they come.
      const present = room.watching.some((w) => same(w, to));
      next = { ...next, admin: to, adminPresent: present, adminSeenMs: nowMs };
      if (!present && !room.paused) next = { ...next, paused: true, positionMs: here, atMs: nowMs, resumeWhenAdminBack: true };
      emit('admin.changed', `${by} made ${to} the admin`);
      break;
    }
    case 'heartbeat':
      if (!isAdmin) break;
      if (!room.adminPresent) {
        next.adminPresent = true;
        if (room.resumeWhenAdminBack && room.paused) {
          next = { ...next, paused: false, positionMs: here, atMs: nowMs + rules.startLeadMs };
          emit('admin.back', `${by} is back: playing from ${clock(here)}`);
        } else {
          emit('admin.back', `${by} is here`);
        }
      }
      break;
    case 'join':
      next.watchedMs = nowMs;
      if (!room.watching.some((w) => same(w, by))) {
        next = { ...next, watching: [...room.watching, by] };
        emit('member.joined', `${by} joined`);
      }
      break;
    case 'leave':
      if (room.watching.some((w) => same(w, by))) {
        next = { ...next, watching: room.watching.filter((w) => !same(w, by)), watchedMs: nowMs };
        emit('member.left', `${by} left`);
      }
      break;
    case 'tick':
      if (room.adminPresent && nowMs - room.adminSeenMs > rules.adminSilenceMs) {
        next = { ...next, adminPresent: false };
        if (!room.paused) {
          next = { ...next, paused: true, positionMs: here, atMs: nowMs, resumeWhenAdminBack: true };
          emit('admin.lost', `${room.admin} went silent: paused at ${clock(here)}`);
        } else {
          // Left paused: coming back must not start playback on its own.
          next = { ...next, resumeWhenAdminBack: false };
          emit('admin.lost', `${room.admin} went silent`);
        }
      } else if (!room.adminPresent && room.watching.length === 0 && nowMs - lastUsedMs(room) > rules.idleCloseMs) {
        next = { ...next, closed: true, paused: true, positionMs: here, atMs: nowMs };
        emit('closed', `nobody has opened it for ${span(rules.idleCloseMs)}: the room is closed`);
      }
      break;
  }
  return { room: next, events };
}
