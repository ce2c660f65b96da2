import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { ClientApp } from '../../../src/tui/client/ClientApp.js';
import { arrowSeekBase } from '../../../src/tui/client/RoomsTab.js';
import type { ClientSnapshot } from '../../../src/tui/client-session.js';
import { createFakeClientSession, KEY, mainSnapshot, makeRoom, makeWatch, plain, press, renderInTerminal, settle, waitForFrame, waitUntil, type FakeTerminal } from '../../fakes/fake-client-session.js';

const terminals: FakeTerminal[] = [];
afterEach(() => {
  cleanup();
  for (const t of terminals.splice(0)) t.unmount();
});

const roomA = makeRoom({ id: 'r-0000000a', videoName: 'Big Buck Bunny.mkv', admin: 'ann', members: ['ann', 'bob', 'cid'], watching: ['ann', 'bob'], paused: false });
const roomB = makeRoom({ id: 'r-0000000b', videoName: 'Sintel.mp4', admin: 'bob', members: ['bob', 'ann'], watching: ['bob'], paused: true });

async function openRooms(partial: Partial<ClientSnapshot>) {
  const session = createFakeClientSession(mainSnapshot({ rooms: [roomA, roomB], ...partial }));
  const r = render(<ClientApp session={session} onExit={() => {}} />);
  await settle();
  await press(r.stdin, '4');
  await waitForFrame(r.lastFrame, (f) => f.includes('Rooms · 2'));
  return { session, ...r };
}

describe('RoomsTab', () => {
  it('lists rooms with their play state and admin, and opens the selected one with Enter', async () => {
    const { session, stdin, lastFrame } = await openRooms({});
    const frame = plain(lastFrame());
    expect(frame).toMatch(/▶\s+Big Buck Bunny\.mkv\s+ann/);
    expect(frame).toMatch(/⏸\s+Sintel\.mp4\s+bob/);
    expect(frame).toContain('Not watching');
    await press(stdin, KEY.down, KEY.enter);
    expect(session.callsTo('openRoom')).toEqual([['r-0000000b']]);
  });

  it('shows the room id on rows that would otherwise look the same', async () => {
    const twin = makeRoom({ id: 'r-0000000c', videoName: 'Sintel.mp4', admin: 'bob', members: ['bob', 'ann'], watching: [], paused: true });
    const session = createFakeClientSession(mainSnapshot({ rooms: [roomA, roomB, twin] }));
    const r = render(<ClientApp session={session} onExit={() => {}} />);
    await settle();
    await press(r.stdin, '4');
    const frame = plain(await waitForFrame(r.lastFrame, (f) => f.includes('Rooms · 3')));
    expect(frame).toMatch(/Sintel\.mp4\s+bob\s+r-0000000b/);
    expect(frame).toMatch(/Sintel\.mp4\s+bob\s+r-0000000c/);
    expect(frame).not.toContain('r-0000000a');
  });

  it('shows the watched room: members with presence, state, position bar and sync error', async () => {
    const { lastFrame } = await openRooms({ watching: makeWatch(roomA, { expectedMs: 723_000, errorMs: 3, speed: 0.995 }) });
    const frame = plain(lastFrame());
    expect(frame).toContain('Watching · r-0000000a');
    expect(frame).toContain('admin: ann (you)');
    expect(frame).toContain('▶ playing');
    expect(frame).toMatch(/12:03 ━+╸─+ 45:10/);
    expect(frame).toContain('your sync error: +3 ms (speed 0.995)');
    expect(frame).toContain('● ann (admin) — watching');
    expect(frame).toContain('● bob — watching');
    expect(frame).toContain('○ cid — away');
    expect(frame).toContain('Members · 2 of 3 watching');
  });

  it('as admin: space pauses a playing room and plays a paused one', async () => {
    const { session, stdin, lastFrame } = await openRooms({ watching: makeWatch(roomA) });
    await press(stdin, ' ');
    expect(session.callsTo('control')).toEqual([['pause']]);
    session.set({ watching: makeWatch({ ...roomA, paused: true }) });
    await waitForFrame(lastFrame, (f) => f.includes('⏸ paused'));
    await press(stdin, ' ');
    expect(session.callsTo('control')).toEqual([['pause'], ['play']]);
  });

  it('as admin: → and ← seek 10 s, quick presses stepping on from the last target', async () => {
    const { session, stdin } = await openRooms({ watching: makeWatch(roomA, { expectedMs: 723_000 }) });
    // The fake's position never catches up, as a real one has not within a few hundred ms: two quick
    // → used to land on the same place.
    await press(stdin, KEY.right, KEY.right, KEY.left);
    expect(session.callsTo('control')).toEqual([
      ['seek', 733_000],
      ['seek', 743_000],
      ['seek', 733_000],
    ]);
  });

  it.each([
    [723_000, undefined, 10_000, 723_000],
    [723_000, { toMs: 743_000, atMs: 9_000 }, 10_000, 743_000],
    [723_000, { toMs: 743_000, atMs: 5_000 }, 10_000, 723_000],
  ])('arrowSeekBase(%d, %j, %d) is %d', (expected, last, now, base) => {
    expect(arrowSeekBase(expected, last, now)).toBe(base);
  });

  it('as admin: A turns auto-release on, and off again once the room says it is on', async () => {
    const { session, stdin, lastFrame } = await openRooms({ watching: makeWatch(roomA) });
    await press(stdin, 'A');
    expect(session.callsTo('setAutoRelease')).toEqual([[true]]);
    session.set({ watching: makeWatch({ ...roomA, autoRelease: true }) });
    await waitForFrame(lastFrame, (f) => f.includes('▶ playing · auto-release'));
    await press(stdin, 'A');
    expect(session.callsTo('setAutoRelease')).toEqual([[true], [false]]);
  });

  it('as admin: g opens a time field; "1:30" Enter seeks to 90 s; nonsense is refused in place', async () => {
    const { session, stdin, lastFrame } = await openRooms({ watching: makeWatch(roomA) });
    await press(stdin, 'g');
    await waitForFrame(lastFrame, (f) => f.includes('go to (90, 1:30, 1:02:03):'));
    await press(stdin, 'abc', KEY.enter);
    await waitForFrame(lastFrame, (f) => f.includes('"abc" is not a time'));
    expect(session.callsTo('control')).toEqual([]);
    await press(stdin, KEY.backspace, KEY.backspace, KEY.backspace, '1:30', KEY.enter);
    expect(session.callsTo('control')).toEqual([['seek', 90_000]]);
    await waitForFrame(lastFrame, (f) => !f.includes('go to (90'));
  });

  it('as admin: x asks before closing the room for everyone', async () => {
    const { session, stdin, lastFrame } = await openRooms({ watching: makeWatch(roomA) });
    await press(stdin, 'x');
    await waitForFrame(lastFrame, (f) => f.includes('close room r-0000000a (Big Buck Bunny.mkv) for everyone? y/n'));
    await press(stdin, 'n');
    await waitForFrame(lastFrame, (f) => !f.includes('for everyone? y/n'));
    expect(session.callsTo('closeRoom')).toEqual([]);
    await press(stdin, 'x', 'y');
    expect(session.callsTo('closeRoom')).toEqual([['r-0000000a']]);
  });

  it('closes a room picked in the list without opening it, if you are its admin', async () => {
    const { session, stdin, lastFrame } = await openRooms({});
    expect(plain(lastFrame())).toContain('x close (admin)');
    await press(stdin, KEY.down, 'x');
    await waitForFrame(lastFrame, (f) => f.includes('only its admin (bob) can close room r-0000000b'));
    expect(plain(lastFrame())).not.toContain('for everyone? y/n');
    await press(stdin, KEY.up, 'x');
    await waitForFrame(lastFrame, (f) => f.includes('close room r-0000000a (Big Buck Bunny.mkv) for everyone? y/n'));
    await press(stdin, 'y');
    expect(session.callsTo('closeRoom')).toEqual([['r-0000000a']]);
    expect(session.callsTo('openRoom')).toEqual([]);
  });

  it('as admin: i invites, k removes, a hands over, each from a name field; Esc cancels', async () => {
    const { session, stdin, lastFrame } = await openRooms({ watching: makeWatch(roomA) });
    await press(stdin, 'i');
    await waitForFrame(lastFrame, (f) => f.includes('invite (names, comma-separated):'));
    await press(stdin, 'dan, eve', KEY.enter);
    await press(stdin, 'k');
    await waitForFrame(lastFrame, (f) => f.includes('remove member:'));
    await press(stdin, 'cid', KEY.enter);
    await press(stdin, 'a');
    await waitForFrame(lastFrame, (f) => f.includes('make admin:'));
    await press(stdin, 'bob,cid', KEY.enter);
    await press(stdin, 'i', 'zed', KEY.escape);
    await waitForFrame(lastFrame, (f) => !f.includes('invite (names'));
    expect(session.callsTo('manageRoom')).toEqual([
      ['invite', ['dan', 'eve']],
      ['remove', ['cid']],
      ['handover', ['bob']],
    ]);
  });

  it('as guest: control keys explain that only the admin controls the room and send nothing', async () => {
    const { session, stdin, lastFrame } = await openRooms({ watching: makeWatch(roomB, { isAdmin: false }) });
    expect(plain(lastFrame())).toContain('only the admin (bob) controls playback');
    await press(stdin, ' ');
    await waitForFrame(lastFrame, (f) => f.includes('only the admin (bob) controls this room'));
    await press(stdin, KEY.right, 'g', 'x', 'i', 'k', 'a');
    expect(session.callsTo('control')).toEqual([]);
    expect(session.callsTo('manageRoom')).toEqual([]);
    expect(plain(lastFrame())).not.toContain('go to (90');
    expect(plain(lastFrame())).not.toContain('for everyone? y/n');
  });

  it('uses the admin name of the watched room in the guest notice', async () => {
    const guestOfAnn = makeWatch(roomA, { isAdmin: false });
    const { session, stdin, lastFrame } = await openRooms({ user: 'bob', watching: guestOfAnn });
    await press(stdin, ' ');
    await waitForFrame(lastFrame, (f) => f.includes('only the admin (ann) controls this room'));
    expect(session.callsTo('control')).toEqual([]);
  });

  it('leaves with l', async () => {
    const { session, stdin } = await openRooms({ watching: makeWatch(roomB, { isAdmin: false }) });
    await press(stdin, 'l');
    expect(session.callsTo('leaveRoom')).toEqual([[]]);
  });

  it('shows the sync error as being measured before the first sample', async () => {
    const { lastFrame } = await openRooms({ watching: makeWatch(roomA, { errorMs: undefined }) });
    expect(plain(lastFrame())).toContain('your sync error: measuring…');
  });

  it('puts the room view beside the picker at 120 columns and below it at 80', async () => {
    const wide = createFakeClientSession(mainSnapshot({ rooms: [roomA], watching: makeWatch(roomA) }));
    const t = renderInTerminal(<ClientApp session={wide} onExit={() => {}} />, 120, 30);
    terminals.push(t);
    await settle();
    await press(t.stdin, '4');
    const side = await waitForFrame(t.lastFrame, (f) => f.includes('Watching · r-0000000a'));
    expect(side.split('\n').find((l) => l.includes('Rooms · 1'))).toContain('Watching · r-0000000a');
    t.resize(80, 24);
    const stacked = await waitForFrame(t.lastFrame, (f) => !f.split('\n').some((l) => l.includes('Rooms · 1') && l.includes('Watching')));
    const lines = stacked.split('\n');
    expect(lines.findIndex((l) => l.includes('Watching · r-0000000a'))).toBeGreaterThan(lines.findIndex((l) => l.includes('Rooms · 1')));
  });
});

describe('RoomsTab chat', () => {
  const line = (seq: number, user: string, text: string) => ({ roomId: roomA.id, seq, atMs: 1_700_000_000_000 + seq, user, text });

  it('shows the room\'s chat under the members, the latest lines when they do not all fit', async () => {
    const chat = Array.from({ length: 30 }, (_, i) => line(i + 1, i % 2 ? 'bob' : 'ann', `line ${i + 1}`));
    const { lastFrame } = await openRooms({ watching: makeWatch(roomA, { chat }) });
    const frame = plain(lastFrame());
    expect(frame).toContain('Chat');
    expect(frame).toContain('ann: line 29');
    expect(frame).toContain('bob: line 30');
    expect(frame).not.toContain('line 1\n');
    expect(frame).toContain('● bob — watching');
  });

  it('t opens a field; Enter sends what was typed, Esc sends nothing', async () => {
    const { session, stdin, lastFrame } = await openRooms({ watching: makeWatch(roomA, { isAdmin: false }) });
    await press(stdin, 't');
    await waitForFrame(lastFrame, (f) => f.includes('say:'));
    await press(stdin, 'this part!', KEY.enter);
    await waitUntil(() => session.callsTo('say').length > 0, 'the line to be said');
    expect(session.callsTo('say')).toEqual([['this part!']]);
    await press(stdin, 't', 'never mind', KEY.escape);
    await waitForFrame(lastFrame, (f) => !f.includes('say:'));
    expect(session.callsTo('say')).toEqual([['this part!']]);
  });

  it('a line that tries to break the layout stays on its one row', async () => {
    const wide = line(1, 'bob', 'x'.repeat(400));
    const { lastFrame } = await openRooms({ watching: makeWatch(roomA, { chat: [wide, line(2, 'ann', 'after')] }) });
    const frame = plain(lastFrame());
    expect(frame).toContain('ann: after');
    for (const row of frame.split('\n')) expect(row.length).toBeLessThanOrEqual(120);
  });

  it('as admin: m mutes the members typed; the view says who is muted', async () => {
    const { session, stdin, lastFrame } = await openRooms({ watching: makeWatch(roomA) });
    await press(stdin, 'm');
    await waitForFrame(lastFrame, (f) => f.includes('mute in the chat'));
    await press(stdin, 'bob, cid', KEY.enter);
    await waitUntil(() => session.callsTo('manageRoom').length > 0, 'the mute to be asked');
    expect(session.callsTo('manageRoom')).toEqual([['mute', ['bob', 'cid']]]);
    session.set({ watching: makeWatch({ ...roomA, muted: ['bob'] }) });
    await waitForFrame(lastFrame, (f) => f.includes('muted: bob'));
  });
});

describe('RoomsTab queue', () => {
  const entry = (videoId: number, videoName: string, by: string) => ({ videoId, videoName, durationMs: 60_000, by });

  it('shows what plays next and what members suggested', async () => {
    const room = { ...roomA, queue: [entry(2, 'Sintel.mp4', 'ann'), entry(3, 'Tears.mkv', 'bob')], suggestions: [entry(4, 'Elephants.mkv', 'cid')] };
    const { lastFrame } = await openRooms({ watching: makeWatch(room) });
    const frame = plain(lastFrame());
    expect(frame).toContain('Up next · 2 queued · 1 suggested');
    expect(frame).toContain('1. Sintel.mp4');
    expect(frame).toContain('2. Tears.mkv (bob)');
    expect(frame).toContain('? Elephants.mkv — suggested by cid');
  });

  it('as admin: e edits the queue with rm / mv / accept / next; a typo says what to type', async () => {
    const { session, stdin, lastFrame } = await openRooms({ watching: makeWatch(roomA) });
    await press(stdin, 'e');
    await waitForFrame(lastFrame, (f) => f.includes('queue: '));
    await press(stdin, 'mv 3 1', KEY.enter);
    await waitUntil(() => session.callsTo('editQueue').length > 0, 'the queue edit');
    expect(session.callsTo('editQueue')).toEqual([[{ op: 'move', index: 2, to: 0 }]]);
    await press(stdin, 'e', 'shuffle', KEY.enter);
    await waitForFrame(lastFrame, (f) => f.includes('type rm N · mv N M'));
    expect(session.callsTo('editQueue')).toHaveLength(1);
  });

  it('as a guest: e is refused in place (central would refuse it too)', async () => {
    const { session, stdin, lastFrame } = await openRooms({ watching: makeWatch(roomA, { isAdmin: false }) });
    await press(stdin, 'e');
    await waitForFrame(lastFrame, (f) => f.includes('only the admin (ann) controls this room'));
    expect(session.callsTo('editQueue')).toEqual([]);
  });
});
