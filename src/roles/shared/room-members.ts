/**
 * The room's membership transitions: who belongs (invite, remove, hand the admin role over) and who
 * has a player open on it (join, leave). Each takes the turn and the room so far (`next`).
 */
import { WatchpartyError } from '../../core/errors.js';
import { isMember, nameList, resumeIfNobodyLeft, same, without, type Outcome, type Room, type RoomInput, type Turn } from './room-model.js';

export function invite(t: Turn, next: Room, input: Extract<RoomInput, { type: 'invite' }>): Outcome {
  const added = input.users.filter((u, i) => !isMember(next, u) && input.users.findIndex((v) => same(u, v)) === i);
  if (added.length === 0) return { room: next };
  if (t.room.members.length + added.length > t.rules.maxMembers) throw new WatchpartyError('BAD_INPUT', `a room has at most ${t.rules.maxMembers} members (this one has ${t.room.members.length})`);
  return { room: { ...next, members: [...t.room.members, ...added] }, event: { change: 'member.invited', text: `${t.by} invited ${nameList(added)}` } };
}

export function remove(t: Turn, next: Room, input: Extract<RoomInput, { type: 'remove' }>): Outcome {
  const { room } = t;
  if (same(input.user, room.admin)) throw new WatchpartyError('BAD_INPUT', 'the admin cannot be removed: hand the room over first (room admin ROOM USER), or close it');
  const gone = room.members.find((m) => same(m, input.user));
  if (!gone) throw new WatchpartyError('NOT_MEMBER', `${input.user} is not a member of room ${room.id}`);
  const resumed = resumeIfNobodyLeft(t, { ...next, members: room.members.filter((m) => !same(m, gone)), muted: room.muted.filter((m) => !same(m, gone)), ...without(room, gone) });
  return { room: resumed.room, event: { change: 'member.removed', text: `${t.by} removed ${gone} from the room${resumed.tail}` } };
}

export function handover(t: Turn, next: Room, input: Extract<RoomInput, { type: 'handover' }>): Outcome {
  const { room } = t;
  const to = room.members.find((m) => same(m, input.to));
  if (!to) throw new WatchpartyError('NOT_MEMBER', `${input.to} is not a member of room ${room.id}: invite them first`);
  if (same(to, room.admin)) return { room: next };
  // The new admin is present only if their player is open; a playing room with no admin watching
  // pauses, as it would for a silent admin, and resumes when they come.
  const present = room.watching.some((w) => same(w, to));
  // The admin speaks in their own room: a muted member handed the role is muted no more.
  let after: Room = { ...next, admin: to, adminPresent: present, adminSeenMs: t.nowMs, muted: room.muted.filter((m) => !same(m, to)) };
  if (!present && !room.paused) after = { ...after, paused: true, positionMs: t.here, atMs: t.nowMs, resumeWhenAdminBack: true };
  return { room: after, event: { change: 'admin.changed', text: `${t.by} made ${to} the admin` } };
}

export function join(t: Turn, next: Room): Outcome {
  const opened = { ...next, watchedMs: t.nowMs };
  if (t.room.watching.some((w) => same(w, t.by))) return { room: opened };
  return { room: { ...opened, watching: [...t.room.watching, t.by] }, event: { change: 'member.joined', text: `${t.by} joined` } };
}

export function leave(t: Turn, next: Room): Outcome {
  if (!t.room.watching.some((w) => same(w, t.by))) return { room: next };
  const resumed = resumeIfNobodyLeft(t, { ...next, ...without(t.room, t.by), watchedMs: t.nowMs });
  return { room: resumed.room, event: { change: 'member.left', text: `${t.by} left${resumed.tail}` } };
}

/** The admin mutes (or unmutes) members in the room's chat; they keep watching. */
export function mute(t: Turn, next: Room, input: Extract<RoomInput, { type: 'mute' }>): Outcome {
  const { room } = t;
  const named = input.users
    .map((u) => {
      const m = room.members.find((x) => same(x, u));
      if (!m) throw new WatchpartyError('NOT_MEMBER', `${u} is not a member of room ${room.id}`);
      if (input.on && same(m, room.admin)) throw new WatchpartyError('BAD_INPUT', 'the admin cannot be muted');
      return m;
    })
    .filter((m, i, all) => all.indexOf(m) === i);
  const muted = input.on ? [...room.muted, ...named.filter((m) => !room.muted.some((x) => same(x, m)))] : room.muted.filter((x) => !named.some((m) => same(x, m)));
  if (muted.length === room.muted.length && muted.every((m, i) => same(m, room.muted[i]!))) return { room: next };
  return { room: { ...next, muted }, event: { change: 'setting', text: `${t.by} ${input.on ? 'muted' : 'unmuted'} ${nameList(named)} in the chat` } };
}

