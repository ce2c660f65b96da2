/** queue: a room's shared queue from the command line (list, add, rm, mv, suggest, accept, reject, next). */
import type { Command } from 'commander';
import type { RoomState } from '../../net/messages.js';
import { WatchpartyError } from '../../core/errors.js';
import { clock } from '../shared/room.js';
import { common, out, withSession, type CommonOptions } from './command-kit.js';
import { findVideo } from './video-commands.js';

const USAGE = (
  [
    ['', 'what plays next, and the suggestions'],
    ['add VIDEO [--at N]', "queue a video (admin; a guest's add is a suggestion)"],
    ['rm N', 'take the N-th off the queue (admin)'],
    ['mv N M', 'move the N-th to place M (admin)'],
    ['suggest VIDEO', 'propose a video to the admin'],
    ['accept N | reject N', 'the N-th suggestion (admin)'],
    ['next', 'play the first in the queue now (admin)'],
  ] as const
)
  .map(([args, what]) => `${`watchparty queue ROOM ${args}`.padEnd(44)} ${what}`)
  .join('\n');

/** A place as people count it (from 1), as the wire counts it (from 0). */
function place(value: string | undefined, what: string): number {
  if (value === undefined || !/^\d{1,3}$/.test(value) || Number(value) < 1 || Number(value) > 100) throw new WatchpartyError('BAD_INPUT', `${what} needs a place from 1, not ${value === undefined ? 'nothing' : `"${value}"`}`, { hint: USAGE });
  return Number(value) - 1;
}

/** The queue and suggestions as lines. */
export function queueLines(r: RoomState): string[] {
  const lines = [`${r.id}: now ${r.videoName}`];
  if (r.queue.length === 0) lines.push('  the queue is empty: watchparty queue ' + r.id + ' add VIDEO');
  r.queue.forEach((e, i) => lines.push(`  ${i + 1}. ${e.videoName}  ${clock(e.durationMs)}  (${e.by})`));
  if (r.suggestions.length > 0) lines.push('suggested:');
  r.suggestions.forEach((e, i) => lines.push(`  ${i + 1}. ${e.videoName}  ${clock(e.durationMs)}  by ${e.by}`));
  return lines;
}

export function registerQueueCommand(program: Command): void {
  common(program.command('queue <roomId> [op] [args...]'))
    .description("a room's shared queue: what plays next when the video ends (for everyone, on the same frame)")
    .option('--at <n>', 'with add: the place in the queue (from 1)')
    .option('--json', 'print the room\'s queue and suggestions as JSON')
    .addHelpText('after', `\nUsage:\n  ${USAGE.split('\n').join('\n  ')}\n\nExamples:\n  $ watchparty queue r-1a2b3c4d add "Sintel.mkv"\n  $ watchparty queue r-1a2b3c4d mv 3 1\n  $ watchparty queue r-1a2b3c4d --json`)
    .action(async (roomId: string, op: string | undefined, args: string[], o: CommonOptions & { at?: string }) => {
      const room = await withSession(o, async (s) => {
        const video = async (name: string | undefined) => {
          if (!name) throw new WatchpartyError('BAD_INPUT', `queue ${op} needs a video name`, { hint: USAGE });
          return findVideo((await s.peer.request('videos.list', {})).videos, name).id;
        };
        const ask = (p: { op: 'add' | 'remove' | 'move' | 'accept' | 'reject' | 'next' | 'suggest'; videoId?: number; index?: number; to?: number }) => s.peer.request('room.queue', { roomId, ...p });
        switch (op) {
          case undefined:
          case 'list':
            return (await s.peer.request('room.get', { roomId })).room;
          case 'add':
            return (await ask({ op: 'add', videoId: await video(args.join(' ')), ...(o.at !== undefined ? { index: place(o.at, '--at') } : {}) })).room;
          case 'suggest':
            return (await ask({ op: 'suggest', videoId: await video(args.join(' ')) })).room;
          case 'rm':
          case 'remove':
            return (await ask({ op: 'remove', index: place(args[0], 'rm') })).room;
          case 'mv':
          case 'move':
            return (await ask({ op: 'move', index: place(args[0], 'mv'), to: place(args[1], 'mv') })).room;
          case 'accept':
          case 'reject':
            return (await ask({ op, index: place(args[0], op) })).room;
          case 'next':
            return (await ask({ op: 'next' })).room;
          default:
            throw new WatchpartyError('BAD_INPUT', `"${op.slice(0, 20)}" is not something a queue does`, { hint: USAGE });
        }
      });
      if (o.json) out(JSON.stringify({ id: room.id, now: room.videoName, queue: room.queue, suggestions: room.suggestions }));
      else for (const l of queueLines(room)) out(l);
    });
}
