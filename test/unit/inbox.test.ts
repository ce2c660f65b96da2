import { describe, expect, it } from 'vitest';
import type { Notification } from '../../src/net/messages.js';
import { beginListing, newInbox, receive, type Inbox } from '../../src/roles/shared/inbox.js';

const n = (id: number): Notification => ({ id, atMs: 1000 + id, kind: 'system', text: `note ${id}` });
const ids = (items: readonly Notification[]) => items.map((i) => i.id);

type Step = { push: number[] } | { list: number[] } | 'begin';

/** Apply steps in order; returns the ids shown by each receive, and the final inbox. */
function play(lastShownId: number, steps: Step[]): { shown: number[][]; inbox: Inbox } {
  let inbox = newInbox(lastShownId);
  const shown: number[][] = [];
  for (const step of steps) {
    if (step === 'begin') {
      inbox = beginListing(inbox);
      continue;
    }
    const r = 'push' in step ? receive(inbox, step.push.map(n), 'push') : receive(inbox, step.list.map(n), 'listing');
    inbox = r.inbox;
    shown.push(ids(r.show));
  }
  return { shown, inbox };
}

describe('inbox', () => {
  it.each<{ name: string; last: number; steps: Step[]; shown: number[][]; lastShownId: number }>([
    { name: 'a push is shown', last: 0, steps: [{ push: [1] }], shown: [[1]], lastShownId: 1 },
    { name: 'duplicates inside one push are dropped', last: 0, steps: [{ push: [2, 2, 3, 2] }], shown: [[2, 3]], lastShownId: 3 },
    { name: 'already-shown ids (≤ lastShownId) are dropped', last: 5, steps: [{ push: [4, 5, 6] }], shown: [[6]], lastShownId: 6 },
    { name: 'a repeated push shows nothing the second time', last: 0, steps: [{ push: [1, 2] }, { push: [1, 2] }], shown: [[1, 2], []], lastShownId: 2 },
    { name: 'out-of-order items are shown sorted', last: 0, steps: [{ push: [9, 7, 8] }], shown: [[7, 8, 9]], lastShownId: 9 },
    { name: 'a listing is shown sorted', last: 3, steps: ['begin', { list: [6, 4, 5] }], shown: [[4, 5, 6]], lastShownId: 6 },
    {
      name: 'a push during a listing is held, then shown after the older listed items',
      last: 0,
      steps: ['begin', { push: [5] }, { list: [1, 2, 3] }],
      shown: [[], [1, 2, 3, 5]],
      lastShownId: 5,
    },
    {
      name: 'several held pushes come out in id order with the listing',
      last: 0,
      steps: ['begin', { push: [9] }, { push: [6, 7] }, { list: [4, 8] }],
      shown: [[], [], [4, 6, 7, 8, 9]],
      lastShownId: 9,
    },
    {
      name: 'a held push that the listing also contains is shown once',
      last: 0,
      steps: ['begin', { push: [3] }, { list: [1, 2, 3] }],
      shown: [[], [1, 2, 3]],
      lastShownId: 3,
    },
    {
      name: 'after the listing, pushes are shown at once again',
      last: 0,
      steps: ['begin', { list: [1] }, { push: [2] }],
      shown: [[1], [2]],
      lastShownId: 2,
    },
    {
      name: 'a late push older than what was shown is dropped',
      last: 0,
      steps: [{ push: [5] }, { push: [4] }],
      shown: [[5], []],
      lastShownId: 5,
    },
    { name: 'nothing new leaves lastShownId alone', last: 7, steps: [{ push: [] }, { push: [3, 7] }], shown: [[], []], lastShownId: 7 },
    { name: 'an empty listing still releases held pushes', last: 0, steps: ['begin', { push: [2, 1] }, { list: [] }], shown: [[], [1, 2]], lastShownId: 2 },
  ])('$name', ({ last, steps, shown, lastShownId }) => {
    const r = play(last, steps);
    expect(r.shown).toEqual(shown);
    expect(r.inbox.lastShownId).toBe(lastShownId);
    expect(r.inbox.held).toEqual([]);
    expect(r.inbox.listing).toBe(false);
  });

  it('holding keeps lastShownId until the listing arrives', () => {
    let inbox = beginListing(newInbox(2));
    inbox = receive(inbox, [n(3)], 'push').inbox;
    expect(inbox).toEqual({ lastShownId: 2, held: [n(3)], listing: true });
  });

  it('shows whole notifications, not just ids', () => {
    const r = receive(newInbox(0), [n(2), n(1)], 'push');
    expect(r.show).toEqual([n(1), n(2)]);
  });

  it('does not mutate the inbox or the items it is given', () => {
    const inbox = beginListing(newInbox(0));
    const items = [n(3), n(1)];
    const held = receive(inbox, items, 'push').inbox;
    expect(inbox).toEqual({ lastShownId: 0, held: [], listing: true });
    receive(held, [n(2)], 'listing');
    expect(held).toEqual({ lastShownId: 0, held: [n(3), n(1)], listing: true });
    expect(ids(items)).toEqual([3, 1]);
  });
});
