/**
 * The room's waiting transitions (the rules that decide them are in readiness.ts): wait for members who
 * ran dry, play on when they are ready, go on without them (the admin's word, or central after too long),
 * and take a released member back once it is on the room's frame again.
 */
import { clock } from '../../core/playback.js';
import { WatchpartyError } from '../../core/errors.js';
import { same, type Outcome, type Room, type RoomInput, type Turn } from './room-model.js';

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.some((y) => same(x, y)));
}

/** The admin's `go` or central's `release`: these members no longer hold the room. */
export function release(t: Turn, next: Room, input: Extract<RoomInput, { type: 'go' | 'release' }>): Outcome {
  const { room } = t;
  const named = input.type === 'release' ? input.users : (input.users ?? room.waitingFor);
  const users = room.watching.filter((w) => named.some((u) => same(u, w)) && !room.released.some((r) => same(r, w)));
  if (users.length === 0) {
    if (input.type === 'go') throw new WatchpartyError('NOT_WAITING', input.users ? `${input.users.join(', ')} ${input.users.length === 1 ? 'is' : 'are'} not holding the room` : 'the room is not waiting for anyone');
    return { room: next };
  }
  const waitingFor = room.waitingFor.filter((w) => !users.some((u) => same(u, w)));
  let after: Room = { ...next, released: [...room.released, ...users], waitingFor };
  const who = users.join(', ');
  const resumes = room.waitingFor.length > 0 && waitingFor.length === 0 && room.paused && room.adminPresent;
  if (resumes) after = { ...after, paused: false, positionMs: t.here, atMs: t.nowMs + t.rules.startLeadMs };
  const tail = resumes ? `: playing from ${clock(t.here)}` : '';
  return { room: after, event: { change: 'released', text: input.type === 'go' ? `${t.by} went on without ${who}${tail}` : `going on without ${who} (${input.why})${tail}` } };
}

export function wait(t: Turn, next: Room, input: Extract<RoomInput, { type: 'wait' }>): Outcome {
  const { room } = t;
  const users = room.watching.filter((w) => input.users.some((u) => same(u, w)));
  if (users.length === 0 || room.closed) return { room: next };
  let after: Room;
  if (!room.paused) after = { ...next, paused: true, positionMs: t.here, atMs: t.nowMs, waitingFor: users, resumeWhenAdminBack: true };
  else if (room.waitingFor.length > 0 && !sameSet(room.waitingFor, users)) after = { ...next, waitingFor: users };
  else return { room: next };
  return { room: after, event: { change: 'waiting', text: `waiting for ${users.join(', ')} (${input.why}) at ${clock(after.positionMs)}` } };
}

export function ready(t: Turn, next: Room): Outcome {
  const { room } = t;
  if (room.waitingFor.length === 0) return { room: next };
  if (room.adminPresent && room.paused) {
    return { room: { ...next, waitingFor: [], paused: false, positionMs: t.here, atMs: t.nowMs + t.rules.startLeadMs }, event: { change: 'ready', text: `everyone is ready: playing from ${clock(t.here)}` } };
  }
  return { room: { ...next, waitingFor: [] }, event: { change: 'ready', text: 'everyone is ready' } };
}

export function caughtUp(t: Turn, next: Room, input: Extract<RoomInput, { type: 'caughtUp' }>): Outcome {
  const user = t.room.released.find((r) => same(r, input.user));
  if (!user) return { room: next };
  return { room: { ...next, released: t.room.released.filter((r) => !same(r, user)) }, event: { change: 'caught.up', text: `${user} caught up` } };
}
