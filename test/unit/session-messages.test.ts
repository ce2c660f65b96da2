/** The TUI's direct messages: a lost push is noticed and listed, and reading never acknowledges unseen ones. */
import { describe, expect, it } from 'vitest';
import { TuiMessages } from '../../src/roles/client/session-messages.js';
import type { DirectMessage } from '../../src/net/chat-messages.js';
import type { ClientSnapshot } from '../../src/tui/client-session.js';
import type { Session } from '../../src/roles/client/connect.js';
import { FakePeer } from '../fakes/fake-peer.js';

const dm = (id: number, to = 'bob'): DirectMessage => ({ id, from: 'ann', to, atMs: id, text: `m${id}`, read: false });

function setup(stored: DirectMessage[]) {
  const acked: number[] = [];
  const peer = new FakePeer((type, p) => {
    if (type === 'msg.list') {
      const mine = stored.filter((m) => m.id > (p.afterId as number));
      return { messages: mine, unread: stored.filter((m) => m.id > Math.max(0, ...acked)).length };
    }
    if (type === 'msg.ack') {
      acked.push(p.upToId as number);
      return { unread: stored.filter((m) => m.id > (p.upToId as number)).length };
    }
    throw new Error(type);
  });
  let snap = { messages: [], unreadMessages: 0 } as unknown as ClientSnapshot;
  const messages = new TuiMessages({ peer: () => peer.asPeer(), snapshot: () => snap, set: (c) => (snap = { ...snap, ...c }), toast: () => {} });
  const session = { peer: peer.asPeer(), user: 'bob', subId: 'sub-1', subAddress: 'x', instanceId: 'i' } as Session;
  return { peer, messages, session, acked, snap: () => snap };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

describe('TuiMessages', () => {
  it('a push whose predecessor never arrived lists what is missing', async () => {
    const stored = [dm(1)];
    const t = setup(stored);
    await t.messages.attach(t.session);
    stored.push(dm(5), dm(9));
    t.peer.emit('msg.push', { messages: [dm(9)], prevId: 5 });
    await settle();
    expect(t.snap().messages.map((m) => m.id)).toEqual([1, 5, 9]);
    // The next push follows the last one held: shown as it comes.
    t.peer.emit('msg.push', { messages: [dm(12)], prevId: 9 });
    expect(t.snap().messages.map((m) => m.id)).toEqual([1, 5, 9, 12]);
  });

  it('reading acknowledges only up to what this device holds in order, and lists when central counts more', async () => {
    const stored = [dm(1), dm(2)];
    const t = setup(stored);
    await t.messages.attach(t.session);
    // A message we never got a push for, and a later one whose push says so.
    stored.push(dm(3), dm(4));
    t.messages.markRead();
    await settle();
    expect(t.acked[0]).toBe(2);
    expect(t.snap().messages.map((m) => m.id)).toEqual([1, 2, 3, 4]);
    expect(t.snap().unreadMessages).toBe(2);
  });
});
