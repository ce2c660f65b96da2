/**
 * The room's shared queue, pure: the admin adds, removes, reorders, accepts or rejects members'
 * suggestions; when the video ends (central's tick) or the admin skips, the room moves to the first in
 * the queue for everyone at once: paused on its first frame and waiting for every watching member to
 * load it, then playing from a scheduled instant once all are ready (room-waiting.ts), so every player
 * starts the next video on the same frame.
 */
import { WatchpartyError } from '../../core/errors.js';
import { positionAt } from '../../core/playback.js';
import { same, type Outcome, type QueueChange, type QueueEntry, type Room, type RoomInput, type RoomRules, type Turn } from './room-model.js';

/** Whether the room played to the end of its video and has something queued: time to move on. */
export function endedWithQueue(room: Room, nowMs: number): boolean {
  return !room.paused && room.queue.length > 0 && positionAt(room, nowMs) >= room.durationMs;
}

function at(list: readonly QueueEntry[], index: number, what: string): QueueEntry {
  const entry = list[index];
  if (!Number.isInteger(index) || !entry) throw new WatchpartyError('BAD_INPUT', `there is no ${index + 1} in the ${what} (it has ${list.length})`);
  return entry;
}

function roomFor(list: readonly QueueEntry[], rules: RoomRules): void {
  if (list.length >= rules.maxQueue) throw new WatchpartyError('BAD_INPUT', `the queue is full (${rules.maxQueue} videos)`);
}

/** Move the room to the first queued video: paused on its first frame, waiting for everyone watching. */
/** Play the head of the queue: the video ended, the admin skipped to it, or the video was deleted. */
export function advance(t: Turn, next: Room, why: 'ended' | 'skipped' | 'deleted'): Outcome {
  const [head, ...rest] = t.room.queue;
  if (!head) throw new WatchpartyError('BAD_INPUT', 'the queue is empty: add a video first');
  const { audioTrack: _a, subtitleTrack: _s, ...plain } = next;
  const room: Room = { ...plain, videoId: head.videoId, videoName: head.videoName, durationMs: head.durationMs, queue: rest, paused: true, positionMs: 0, atMs: t.nowMs, waitingFor: [...t.room.watching], released: [], resumeWhenAdminBack: false };
  const lead = why === 'skipped' ? `${t.by} skipped to` : why === 'deleted' ? `${t.by} deleted "${t.room.videoName}": up next:` : 'up next:';
  return { room, event: { change: 'video', text: `${lead} ${head.videoName}${same(head.by, t.room.admin) ? '' : ` (suggested by ${head.by})`}` } };
}

/** The admin's edit of the queue. */
export function edit(t: Turn, next: Room, change: QueueChange): Outcome {
  const { room, rules } = t;
  switch (change.op) {
    case 'add': {
      roomFor(room.queue, rules);
      const where = Math.max(0, Math.min(room.queue.length, change.at ?? room.queue.length));
      const queue = [...room.queue.slice(0, where), change.entry, ...room.queue.slice(where)];
      return { room: { ...next, queue }, event: { change: 'queue', text: `${t.by} queued ${change.entry.videoName} (${where + 1} of ${queue.length})` } };
    }
    case 'remove': {
      const gone = at(room.queue, change.index, 'queue');
      return { room: { ...next, queue: room.queue.filter((_, i) => i !== change.index) }, event: { change: 'queue', text: `${t.by} took ${gone.videoName} off the queue` } };
    }
    case 'move': {
      const moved = at(room.queue, change.from, 'queue');
      const rest = room.queue.filter((_, i) => i !== change.from);
      const to = Math.max(0, Math.min(rest.length, change.to));
      if (to === change.from) return { room: next };
      return { room: { ...next, queue: [...rest.slice(0, to), moved, ...rest.slice(to)] }, event: { change: 'queue', text: `${t.by} moved ${moved.videoName} to ${to + 1} in the queue` } };
    }
    case 'accept': {
      const entry = at(room.suggestions, change.index, 'suggestions');
      roomFor(room.queue, rules);
      return { room: { ...next, queue: [...room.queue, entry], suggestions: room.suggestions.filter((_, i) => i !== change.index) }, event: { change: 'queue', text: `${t.by} queued ${entry.by}'s suggestion ${entry.videoName}` } };
    }
    case 'reject': {
      const entry = at(room.suggestions, change.index, 'suggestions');
      return { room: { ...next, suggestions: room.suggestions.filter((_, i) => i !== change.index) }, event: { change: 'queue', text: `${t.by} passed on ${entry.by}'s suggestion ${entry.videoName}` } };
    }
    case 'next':
      return advance(t, next, 'skipped');
  }
}

/** A member proposes a video; the admin's own proposal is queued at once. */
export function suggest(t: Turn, next: Room, input: Extract<RoomInput, { type: 'suggest' }>): Outcome {
  const { room, rules, by } = t;
  const entry = { ...input.entry, by };
  if (same(by, room.admin)) return edit(t, next, { op: 'add', entry });
  // A suggestion is news every member reads ("bob suggested …"): a muted member writes none.
  if (room.muted.some((m) => same(m, by))) throw new WatchpartyError('MUTED', `${room.admin} muted you in room ${room.id}: you cannot suggest videos`);
  if (room.suggestions.some((s) => s.videoId === entry.videoId) || room.queue.some((q) => q.videoId === entry.videoId)) return { room: next };
  if (room.suggestions.length >= rules.maxSuggestions) throw new WatchpartyError('BAD_INPUT', `the room has ${rules.maxSuggestions} suggestions waiting for ${room.admin}`);
  if (room.suggestions.filter((s) => same(s.by, by)).length >= rules.maxSuggestionsEach) throw new WatchpartyError('BAD_INPUT', `you have ${rules.maxSuggestionsEach} suggestions waiting for ${room.admin}`);
  return { room: { ...next, suggestions: [...room.suggestions, entry] }, event: { change: 'queue', text: `${by} suggested ${entry.videoName}` } };
}

/** A deleted video leaves the queue and the suggestions. */
export function unqueue(next: Room, videoId: number): Outcome {
  const queue = next.queue.filter((q) => q.videoId !== videoId);
  const suggestions = next.suggestions.filter((q) => q.videoId !== videoId);
  if (queue.length === next.queue.length && suggestions.length === next.suggestions.length) return { room: next };
  return { room: { ...next, queue, suggestions }, event: { change: 'queue', text: 'a deleted video left the queue' } };
}
