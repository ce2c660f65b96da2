/**
 * A watch-party room as a pure state machine. Central feeds it controls, heartbeats and ticks with the
 * clock passed in; it returns the new state and the events to send, each with the next sequence
 * number, so every member applies the same changes in the same order.
 *
 * Playback is "position P at central time atMs": while playing, the expected position at central time
 * T is P + (T - atMs), and before atMs it is P (a play or seek scheduled a little in the future lets
 * every member seek first and then start on the same frame).
 *
 * `step` checks who may do what and dispatches; the transitions live by concern in room-playback.ts,
 * room-members.ts and room-waiting.ts; the state and its types in room-model.ts.
 */
import { WatchpartyError } from '../../core/errors.js';
import { clock, positionAt } from '../../core/playback.js';
import { isMember, lastUsedMs, ROOM_RULES, same, type Outcome, type Room, type RoomEvent, type RoomInput, type RoomRules, type Turn } from './room-model.js';
import * as playback from './room-playback.js';
import * as membership from './room-members.js';
import * as waiting from './room-waiting.js';
import * as queue from './room-queue.js';

export { clock, positionAt };
export { SPEED_RANGE, SPEED_STEPS, roomSpeed, speedText, stepSpeed } from '../../core/playback.js';
export { isMember, lastUsedMs, newRoom, ROOM_RULES, type QueueChange, type QueueEntry, type Room, type RoomChange, type RoomEvent, type RoomInput, type RoomRules } from './room-model.js';

/** Inputs central makes itself: no member check (`by` is who they are about, or the admin). */
const CENTRAL_INPUTS: ReadonlySet<RoomInput['type']> = new Set(['tick', 'videoDeleted', 'unqueue', 'wait', 'ready', 'release', 'caughtUp']);
/** Inputs only the admin may send. */
const ADMIN_INPUTS: ReadonlySet<RoomInput['type']> = new Set(['play', 'pause', 'seek', 'speed', 'autoRelease', 'tracks', 'go', 'close', 'invite', 'remove', 'handover', 'mute', 'queue']);

/** Whether a tick has anything to do: a video ended with more queued, a silent admin, or a room nobody has used for too long. */
function tickDue(room: Room, nowMs: number, rules: RoomRules): boolean {
  if (queue.endedWithQueue(room, nowMs)) return true;
  return room.adminPresent ? nowMs - room.adminSeenMs > rules.adminSilenceMs : room.watching.length === 0 && nowMs - lastUsedMs(room) > rules.idleCloseMs;
}

/** The transition for one input. */
function transition(t: Turn, next: Room, input: RoomInput, isAdmin: boolean): Outcome {
  switch (input.type) {
    case 'play':
      return playback.play(t, next);
    case 'pause':
      return playback.pause(t, next);
    case 'seek':
      return playback.seek(t, next, input);
    case 'speed':
      return playback.speed(t, next, input);
    case 'autoRelease':
      return playback.autoRelease(t, next, input);
    case 'tracks':
      return playback.tracks(t, next, input);
    case 'close':
      return playback.close(t, next, 'admin');
    case 'videoDeleted':
      // A room with something queued moves on to it; only a room with nothing left to play closes.
      return t.room.queue.length > 0 ? queue.advance(t, next, 'deleted') : playback.close(t, next, 'videoDeleted');
    case 'heartbeat':
      return playback.heartbeat(t, next, isAdmin);
    case 'tick':
      return queue.endedWithQueue(t.room, t.nowMs) ? queue.advance(t, next, 'ended') : playback.tick(t, next);
    case 'queue':
      return queue.edit(t, next, input.change);
    case 'suggest':
      return queue.suggest(t, next, input);
    case 'unqueue':
      return queue.unqueue(next, input.videoId);
    case 'invite':
      return membership.invite(t, next, input);
    case 'remove':
      return membership.remove(t, next, input);
    case 'handover':
      return membership.handover(t, next, input);
    case 'mute':
      return membership.mute(t, next, input);
    case 'join':
      return membership.join(t, next);
    case 'leave':
      return membership.leave(t, next);
    case 'go':
    case 'release':
      return waiting.release(t, next, input);
    case 'wait':
      return waiting.wait(t, next, input);
    case 'ready':
      return waiting.ready(t, next);
    case 'caughtUp':
      return waiting.caughtUp(t, next, input);
  }
}

/** Apply one input from `by` at central time `nowMs`. Throws NOT_MEMBER / NOT_ADMIN / ROOM_CLOSED. */
export function step(room: Room, by: string, input: RoomInput, nowMs: number, rules: RoomRules = ROOM_RULES): { room: Room; events: RoomEvent[] } {
  const fromCentral = CENTRAL_INPUTS.has(input.type);
  if (!fromCentral) {
    if (!isMember(room, by)) throw new WatchpartyError('NOT_MEMBER', `${by} is not a member of room ${room.id}`);
    if (room.closed) throw new WatchpartyError('ROOM_CLOSED', `room ${room.id} is closed`);
  } else if (room.closed || (input.type === 'tick' && !tickDue(room, nowMs, rules))) {
    // Central ticks every open room many times a second: nothing due is answered without a copy.
    return { room, events: [] };
  }
  const isAdmin = same(by, room.admin);
  if (ADMIN_INPUTS.has(input.type) && !isAdmin) throw new WatchpartyError('NOT_ADMIN', `only the admin (${room.admin}) controls this room`);

  let next: Room = { ...room };
  // Any control from the admin proves they are there.
  if (isAdmin && !fromCentral && input.type !== 'leave') {
    next.adminSeenMs = nowMs;
    if (!room.adminPresent && input.type !== 'heartbeat' && input.type !== 'join') next.adminPresent = true;
  }
  // Whole ms on the wire: at a speed other than 1 the position moves in fractions.
  const turn: Turn = { room, by, nowMs, here: Math.round(positionAt(room, nowMs)), rules };
  const out = transition(turn, next, input, isAdmin);
  if (!out.event) return { room: out.room, events: [] };
  const seq = out.room.seq + 1;
  return { room: { ...out.room, seq }, events: [{ roomId: room.id, seq, change: out.event.change, by, text: out.event.text }] };
}
