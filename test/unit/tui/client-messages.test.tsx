import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { ClientApp } from '../../../src/tui/client/ClientApp.js';
import type { ClientSnapshot } from '../../../src/tui/client-session.js';
import type { DirectMessage } from '../../../src/net/chat-messages.js';
import { mergeMessages } from '../../../src/roles/client/session-messages.js';
import { createFakeClientSession, KEY, mainSnapshot, plain, press, settle, waitForFrame, waitUntil } from '../../fakes/fake-client-session.js';

afterEach(() => cleanup());

const dm = (id: number, from: string, to: string, text: string, read = false): DirectMessage => ({ id, from, to, atMs: 1_700_000_000_000 + id * 60_000, text, read });

async function openMessages(partial: Partial<ClientSnapshot>) {
  const session = createFakeClientSession(mainSnapshot(partial));
  const r = render(<ClientApp session={session} onExit={() => {}} />);
  await settle();
  await press(r.stdin, '5');
  await waitForFrame(r.lastFrame, (f) => f.includes('Messages'));
  return { session, ...r };
}

describe('MessagesTab', () => {
  it('the tab bar counts unread messages beside the notifications', async () => {
    const session = createFakeClientSession(mainSnapshot({ unread: 2, unreadMessages: 3 }));
    const r = render(<ClientApp session={session} onExit={() => {}} />);
    const frame = plain(await waitForFrame(r.lastFrame, (f) => f.includes('5 Messages')));
    expect(frame).toContain('3 Notifications (2)');
    expect(frame).toContain('5 Messages (3)');
  });

  it('lists messages newest first, received and sent, and marks them read on opening', async () => {
    const { session, lastFrame } = await openMessages({ messages: [dm(1, 'bob', 'ann', 'movie at 9?'), dm(2, 'ann', 'bob', 'yes!', true)], unreadMessages: 1 });
    const frame = plain(lastFrame());
    expect(frame.indexOf('you → bob: yes!')).toBeGreaterThan(0);
    expect(frame.indexOf('bob: movie at 9?')).toBeGreaterThan(frame.indexOf('you → bob: yes!'));
    expect(session.callsTo('markMessagesRead').length).toBeGreaterThanOrEqual(1);
  });

  it('n asks who, then what; Enter sends', async () => {
    const { session, stdin, lastFrame } = await openMessages({});
    expect(plain(lastFrame())).toContain('No messages yet');
    await press(stdin, 'n');
    await waitForFrame(lastFrame, (f) => f.includes('to: '));
    await press(stdin, 'carl', KEY.enter);
    await waitForFrame(lastFrame, (f) => f.includes('to carl: '));
    await press(stdin, 'hello there', KEY.enter);
    await waitUntil(() => session.callsTo('sendMessage').length > 0, 'the message to be sent');
    expect(session.callsTo('sendMessage')).toEqual([['carl', 'hello there']]);
  });

  it('r replies to the other side of the selected message; b blocks its sender, u allows them again', async () => {
    const { session, stdin, lastFrame } = await openMessages({ messages: [dm(1, 'bob', 'ann', 'hi'), dm(2, 'mallory', 'ann', 'buy now')] });
    await press(stdin, 'b');
    expect(session.callsTo('blockUser')).toEqual([['mallory', true]]);
    await press(stdin, 'u');
    expect(session.callsTo('blockUser')).toEqual([['mallory', true], ['mallory', false]]);
    await press(stdin, KEY.down, 'r');
    await waitForFrame(lastFrame, (f) => f.includes('to bob: '));
    await press(stdin, 'hi bob', KEY.enter);
    await waitUntil(() => session.callsTo('sendMessage').length > 0, 'the reply to be sent');
    expect(session.callsTo('sendMessage')).toEqual([['bob', 'hi bob']]);
  });
});

describe('mergeMessages', () => {
  it('keeps one of each id, in id order, a later copy (read) winning', () => {
    const merged = mergeMessages([dm(3, 'bob', 'ann', 'c'), dm(1, 'bob', 'ann', 'a')], [dm(2, 'bob', 'ann', 'b'), dm(3, 'bob', 'ann', 'c', true)]);
    expect(merged.map((m) => [m.id, m.read])).toEqual([[1, false], [2, false], [3, true]]);
  });
});
