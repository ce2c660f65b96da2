/** What the Rooms tab's queue field understands: `rm 2`, `mv 3 1`, `accept 1`, `reject 1`, `next` (places from 1). */
import type { QueueEdit } from '../client-session.js';

export const QUEUE_FIELD_HELP = 'rm N · mv N M · accept N · reject N · next';

/** The edit typed, or why it is not one. */
export function parseQueueInput(text: string): QueueEdit | { error: string } {
  const [word, ...args] = text.trim().toLowerCase().split(/\s+/);
  const places = args.map((a) => (/^\d{1,3}$/.test(a) && Number(a) >= 1 ? Number(a) - 1 : NaN));
  const want = (n: number) => places.length === n && places.every((p) => Number.isInteger(p));
  switch (word) {
    case 'next':
      return args.length === 0 ? { op: 'next' } : { error: 'next takes nothing after it' };
    case 'rm':
    case 'remove':
      return want(1) ? { op: 'remove', index: places[0]! } : { error: 'rm takes a place: rm 2' };
    case 'mv':
    case 'move':
      return want(2) ? { op: 'move', index: places[0]!, to: places[1]! } : { error: 'mv takes two places: mv 3 1' };
    case 'accept':
    case 'reject':
      return want(1) ? { op: word, index: places[0]! } : { error: `${word} takes the place of a suggestion: ${word} 1` };
    default:
      return { error: `type ${QUEUE_FIELD_HELP}` };
  }
}
