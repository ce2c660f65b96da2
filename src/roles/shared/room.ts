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
  /** Members the room waits for while they buffer (paused; it plays again once they are ready). */
  waitingFor: string[];
  /** Members the admin let go on without: catching up on their own, they do not hold the room. */
  released: string[];
  /** Go on by itself without a member who keeps stalling (rooms saved before this field load with off). */
  autoRelease: boolean;
}

export type RoomChange = 'created' | 'play' | 'pause' | 'seek' | 'speed' | 'waiting' | 'ready' | 'released' | 'caught.up' | 'admin.lost' | 'admin.back' | 'member.joined' | 'member.left' | 'member.invited' | 'member.removed' | 'admin.changed' | 'setting' | 'closed';

export type RoomInput =
  | { type: 'play' }
  | { type: 'pause' }
  | { type: 'seek'; positionMs: number }
  /** Playback rate; clamped to SPEED_RANGE. */
  | { type: 'speed'; rate: number }
  /** Admin: go on by itself without a member who keeps stalling (roles/shared/auto-release.ts). */
  | { type: 'autoRelease'; on: boolean }
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
  | { type: 'videoDeleted' }
  /** Admin: go on without these members (all the room waits for, when none are named). */
  | { type: 'go'; users?: string[] }
  /** Central, from the members' reports (roles/shared/readiness.ts): */
  /** these members ran dry (or are still filling): the room waits for them. */
  | { type: 'wait'; users: string[]; why: string }
  /** everyone the room waited for is ready: play on together. */
  | { type: 'ready' }
  /** waited too long for these members: go on without them. */
  | { type: 'release'; users: string[]; why: string }
  /** a released member plays on the room's frame again. */
  | { type: 'caughtUp'; user: string };

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
    waitingFor: [],
    released: [],
    autoRelease: false,
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

/** Inputs central makes itself: no member check (`by` is who they are about, or the admin). */
const CENTRAL_INPUTS: ReadonlySet<RoomInput['type']> = new Set(['tick', 'videoDeleted', 'wait', 'ready', 'release', 'caughtUp']);

/** The room without `user` watching, waited for or released (they left, or were removed). */
function without(room: Room, user: string): Pick<Room, 'watching' | 'waitingFor' | 'released'> {
  return { watching: room.watching.filter((w) => !same(w, user)), waitingFor: room.waitingFor.filter((w) => !same(w, user)), released: room.released.filter((w) => !same(w, user)) };
}

/** The last member the room waited for has gone: it plays on (when its admin is there). */
function resumeIfNobodyLeft(room: Room, next: Room, here: number, nowMs: number, rules: RoomRules): { room: Room; tail: string } {
  if (room.waitingFor.length === 0 || next.waitingFor.length > 0 || !room.paused || !room.adminPresent) return { room: next, tail: '' };
  return { room: { ...next, paused: false, positionMs: here, atMs: nowMs + rules.startLeadMs }, tail: `: playing from ${clock(here)}` };
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.some((y) => same(x, y)));
}

/** Apply one input from `by` at central time `nowMs`. Throws NOT_MEMBER / NOT_ADMIN / ROOM_CLOSED. */
export function step(room: Room, by: string, input: RoomInput, nowMs: number, rules: RoomRules = ROOM_RULES): { room: Room; events: RoomEvent[] } {
  const fromCentral = CENTRAL_INPUTS.has(input.type);
  if (!fromCentral) {
    if (!isMember(room, by)) throw new WatchpartyError('NOT_MEMBER', `${by} is not a member of room ${room.id}`);
    if (room.closed) throw new WatchpartyError('ROOM_CLOSED', `room ${room.id} is closed`);
  } else if (room.closed || (input.type === 'tick' && !(room.adminPresent ? nowMs - room.adminSeenMs > rules.adminSilenceMs : room.watching.length === 0 && nowMs - lastUsedMs(room) > rules.idleCloseMs))) {
    // Central ticks every open room many times a second: nothing due is answered without a copy.
    return { room, events: [] };
  }
  const isAdmin = same(by, room.admin);
  const controls = ['play', 'pause', 'seek', 'speed', 'autoRelease', 'go', 'close', 'invite', 'remove', 'handover'].includes(input.type);
  if (controls && !isAdmin) throw new WatchpartyError('NOT_ADMIN', `only the admin (${room.admin}) controls this room`);

  let next: Room = { ...room };
  const events: RoomEvent[] = [];
  const emit = (change: RoomChange, text: string) => {
    next = { ...next, seq: next.seq + 1 };
    events.push({ roomId: room.id, seq: next.seq, change, by, text });
  };
  // Whole ms on the wire: at a speed other than 1 the position moves in fractions.
  const here = Math.round(positionAt(room, nowMs));
  // Any control from the admin proves they are there.
  if (isAdmin && !fromCentral && input.type !== 'leave') {
    next.adminSeenMs = nowMs;
    if (!room.adminPresent && input.type !== 'heartbeat' && input.type !== 'join') next.adminPresent = true;
  }

  switch (input.type) {
    case 'play':
      if (!room.paused) break;
      next = { ...next, paused: false, positionMs: here, atMs: nowMs + rules.startLeadMs, resumeWhenAdminBack: true, adminPresent: true, waitingFor: [] };
      emit('play', `${by} played at ${clock(here)}`);
      break;
    case 'pause':
      if (room.paused) {
        // Pausing a waiting room: it stays paused once everyone is ready.
        if (room.waitingFor.length > 0) {
          next = { ...next, waitingFor: [], resumeWhenAdminBack: false };
          emit('pause', `${by} paused at ${clock(here)}`);
        }
        break;
      }
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
    case 'autoRelease':
      if (room.autoRelease === input.on) break;
      next = { ...next, autoRelease: input.on };
      emit('setting', input.on ? `${by} set the room to go on without a member who keeps stalling` : `${by} set the room to wait for every member`);
      break;
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
      next = { ...next, members: room.members.filter((m) => !same(m, gone)), ...without(room, gone) };
      const resumed = resumeIfNobodyLeft(room, next, here, nowMs, rules);
      next = resumed.room;
      emit('member.removed', `${by} removed ${gone} from the room${resumed.tail}`);
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
        next = { ...next, ...without(room, by), watchedMs: nowMs };
        const resumed = resumeIfNobodyLeft(room, next, here, nowMs, rules);
        next = resumed.room;
        emit('member.left', `${by} left${resumed.tail}`);
      }
      break;
    case 'go':
    case 'release': {
      const named = input.type === 'release' ? input.users : (input.users ?? room.waitingFor);
      const users = room.watching.filter((w) => named.some((u) => same(u, w)) && !room.released.some((r) => same(r, w)));
      if (users.length === 0) {
        if (input.type === 'go') throw new WatchpartyError('NOT_WAITING', input.users ? `${input.users.join(', ')} ${input.users.length === 1 ? 'is' : 'are'} not holding the room` : 'the room is not waiting for anyone');
        break;
      }
      const waitingFor = room.waitingFor.filter((w) => !users.some((u) => same(u, w)));
      next = { ...next, released: [...room.released, ...users], waitingFor };
      const who = users.join(', ');
      const resumes = room.waitingFor.length > 0 && waitingFor.length === 0 && room.paused && room.adminPresent;
      if (resumes) next = { ...next, paused: false, positionMs: here, atMs: nowMs + rules.startLeadMs };
      const tail = resumes ? `: playing from ${clock(here)}` : '';
      emit('released', input.type === 'go' ? `${by} went on without ${who}${tail}` : `going on without ${who} (${input.why})${tail}`);
      break;
    }
    case 'wait': {
      const users = room.watching.filter((w) => input.users.some((u) => same(u, w)));
      if (users.length === 0 || room.closed) break;
      if (!room.paused) {
        next = { ...next, paused: true, positionMs: here, atMs: nowMs, waitingFor: users, resumeWhenAdminBack: true };
      } else if (room.waitingFor.length > 0 && !sameSet(room.waitingFor, users)) {
        next = { ...next, waitingFor: users };
      } else break;
      emit('waiting', `waiting for ${users.join(', ')} (${input.why}) at ${clock(next.positionMs)}`);
      break;
    }
    case 'ready':
      if (room.waitingFor.length === 0) break;
      next = { ...next, waitingFor: [] };
      if (room.adminPresent && room.paused) {
        next = { ...next, paused: false, positionMs: here, atMs: nowMs + rules.startLeadMs };
        emit('ready', `everyone is ready: playing from ${clock(here)}`);
      } else emit('ready', 'everyone is ready');
      break;
    case 'caughtUp': {
      const user = room.released.find((r) => same(r, input.user));
      if (!user) break;
      next = { ...next, released: room.released.filter((r) => !same(r, user)) };
      emit('caught.up', `${user} caught up`);
      break;
    }
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
