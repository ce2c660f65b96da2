import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { ClientApp } from '../../../src/tui/client/ClientApp.js';
import { displayWidth } from '../../../src/tui/width.js';
import type { ClientSnapshot } from '../../../src/tui/client-session.js';
import {
  createFakeClientSession, KEY, mainSnapshot, makeNotification, makeRoom, makeVideo, makeWatch, plain, press, renderInTerminal, settle, waitForFrame, waitUntil,
  type FakeTerminal,
} from '../../fakes/fake-client-session.js';

const terminals: FakeTerminal[] = [];
afterEach(() => {
  cleanup();
  for (const t of terminals.splice(0)) t.unmount();
});

function renderMain(partial: Partial<ClientSnapshot> = {}) {
  const session = createFakeClientSession(mainSnapshot(partial));
  const exits: Array<Error | undefined> = [];
  const r = render(<ClientApp session={session} onExit={(e) => exits.push(e)} />);
  return { session, exits, ...r };
}

function renderSized(partial: Partial<ClientSnapshot>, columns: number, rows: number) {
  const session = createFakeClientSession(mainSnapshot(partial));
  const t = renderInTerminal(<ClientApp session={session} onExit={() => {}} />, columns, rows);
  terminals.push(t);
  return { session, ...t };
}

/** Every line fits the terminal and the frame stays below its height (no wrapped, doubled lines). */
function expectFits(frame: string, columns: number, rows: number): void {
  const lines = frame.split('\n');
  for (const l of lines) expect(displayWidth(l), l).toBeLessThanOrEqual(columns);
  expect(lines.length).toBeLessThanOrEqual(rows - 1);
}

describe('MainScreen', () => {
  it('shows the tabs, the user and the global key hint', () => {
    const { lastFrame } = renderMain();
    const frame = plain(lastFrame());
    expect(frame).toMatch(/1 Videos\s+2 Upload\s+3 Notifications \(0\)\s+4 Rooms/);
    expect(frame).toContain('watchparty · ann');
    expect(frame).toContain('q quit · ? help');
    expect(frame).toContain('No videos yet — press 2 to upload one.');
  });

  it('switches tabs with the number keys and shows the unread count on every tab', async () => {
    const { stdin, lastFrame } = renderMain({ unread: 3, notifications: [makeNotification(1, 'bob invited you to room r-0000000a')] });
    await settle();
    const checks: Array<[string, string]> = [
      ['2', 'Upload a video'],
      ['4', 'Not watching'],
      ['1', 'No videos yet'],
    ];
    for (const [key, text] of checks) {
      await press(stdin, key);
      const frame = await waitForFrame(lastFrame, (f) => f.includes(text));
      expect(frame).toContain('3 Notifications (3)');
    }
  });

  it('switches tabs with Tab and Shift-Tab when no field has focus', async () => {
    const { stdin, lastFrame } = renderMain();
    await settle();
    await press(stdin, KEY.tab);
    await waitForFrame(lastFrame, (f) => f.includes('Upload a video'));
    await press(stdin, KEY.tab);
    await waitForFrame(lastFrame, (f) => f.includes('No notifications yet'));
    await press(stdin, KEY.shiftTab, KEY.shiftTab);
    await waitForFrame(lastFrame, (f) => f.includes('No videos yet'));
  });

  it('marks notifications read when the tab opens and lists them newest first', async () => {
    const notifications = [makeNotification(1, 'first: new video foo.mkv'), makeNotification(2, 'second: bob invited you')];
    const { session, stdin, lastFrame } = renderMain({ unread: 2, notifications });
    await settle();
    expect(session.callsTo('markNotificationsRead')).toEqual([]);
    await press(stdin, '3');
    const frame = await waitForFrame(lastFrame, (f) => f.includes('second: bob invited you'));
    await waitUntil(() => session.callsTo('markNotificationsRead').length >= 1, 'markNotificationsRead');
    expect(frame.indexOf('second: bob invited you')).toBeLessThan(frame.indexOf('first: new video'));
    expect(frame).toMatch(/\d\d:\d\d second: bob invited you/);
  });

  it('shows an empty notifications tab', async () => {
    const { stdin, lastFrame } = renderMain();
    await settle();
    await press(stdin, '3');
    await waitForFrame(lastFrame, (f) => f.includes('No notifications yet.'));
  });

  it('opens and closes the help with ?', async () => {
    const { stdin, lastFrame } = renderMain();
    await settle();
    await press(stdin, '?');
    const help = await waitForFrame(lastFrame, (f) => f.includes('Keys'));
    expect(help).toContain('play the video alone');
    await press(stdin, '?');
    await waitForFrame(lastFrame, (f) => f.includes('No videos yet'));
    // Esc then 3 inside one read (it parses as Alt+3) still closes the help and then switches tabs.
    await press(stdin, '?');
    await waitForFrame(lastFrame, (f) => f.includes('Keys'));
    await press(stdin, '\u001b3');
    await waitForFrame(lastFrame, (f) => f.includes('No notifications yet'));
  });

  it('quits on q via session.quit() then onExit', async () => {
    const { session, stdin, exits } = renderMain();
    await settle();
    await press(stdin, 'q');
    await waitUntil(() => exits.length === 1, 'onExit');
    expect(session.callsTo('quit')).toEqual([[]]);
  });
});

describe('StatusLine', () => {
  it('shows online, reconnecting, connecting and offline links, the user and a toast', async () => {
    const { session, lastFrame } = renderMain();
    expect(plain(lastFrame())).toContain('● sub-1 127.0.0.1:4567 · ann');
    session.set({ link: { kind: 'reconnecting', message: 'sub lost, moving to sub-2…', attempt: 2, maxAttempts: 5 } });
    await waitForFrame(lastFrame, (f) => f.includes('◌ sub lost, moving to sub-2… (attempt 2/5) · ann'));
    session.set({ link: { kind: 'connecting', message: 'connecting to sub-2' } });
    await waitForFrame(lastFrame, (f) => f.includes('◌ connecting to sub-2'));
    session.set({ link: { kind: 'offline' }, toast: { text: 'room r-0000000a created', tone: 'info', atMs: 1 } });
    await waitForFrame(lastFrame, (f) => f.includes('○ offline · ann · room r-0000000a created'));
  });
});

describe('client TUI layout', () => {
  const busy: Partial<ClientSnapshot> = {
    videos: [makeVideo(1, { name: 'x'.repeat(200) }), makeVideo(2, { name: '映画 — Fête.mkv', uploader: 'ü'.repeat(60) }), ...Array.from({ length: 40 }, (_, i) => makeVideo(i + 3))],
    notifications: [makeNotification(1, 'n'.repeat(500)), makeNotification(2, 'line\nbreak\ttab')],
    unread: 2,
    rooms: [makeRoom({ videoName: '映画 '.repeat(50) })],
    watching: makeWatch(makeRoom({ videoName: 'y'.repeat(300), members: ['ann', 'bob', ...Array.from({ length: 30 }, (_, i) => `user${i}`)] })),
    upload: { file: '/v/a.mkv', name: 'z'.repeat(300), phase: 'uploading', sent: 10, size: 100, rateBps: 5, etaMs: 18_000, resumedFrom: 3 },
    link: { kind: 'reconnecting', message: 'm'.repeat(300), attempt: 1, maxAttempts: 5 },
    toast: { text: 't'.repeat(300), tone: 'error', atMs: 1 },
  };

  it('keeps every tab within 100 columns with long and non-ASCII text', async () => {
    const { stdin, lastFrame } = renderMain(busy);
    await settle();
    for (const key of ['1', '2', '3', '4', '?']) {
      await press(stdin, key);
      await settle();
      expectFits(plain(lastFrame()), 100, 24);
    }
  });

  it.each([
    [60, 20],
    [80, 24],
    [200, 50],
  ])('fits a %i×%i terminal on every tab', async (columns, rows) => {
    const { stdin, lastFrame } = renderSized(busy, columns, rows);
    await settle();
    for (const key of ['1', '2', '3', '4']) {
      await press(stdin, key);
      await settle();
      const frame = plain(lastFrame());
      expectFits(frame, columns, rows);
      expect(frame).toContain('4 Rooms');
    }
  });

  it('re-lays out on resize without breaking lines', async () => {
    const { resize, lastFrame } = renderSized(busy, 120, 40);
    await settle();
    expectFits(plain(lastFrame()), 120, 40);
    resize(60, 20);
    const narrow = await waitForFrame(lastFrame, (f) => f.split('\n').length <= 19);
    expectFits(narrow, 60, 20);
    resize(200, 50);
    const wide = await waitForFrame(lastFrame, (f) => f.split('\n').length > 30);
    expectFits(wide, 200, 50);
  });

  it('renders the login screen at 60×20 and an offline link', async () => {
    const session = createFakeClientSession({ ...mainSnapshot(), screen: 'login', user: undefined, link: { kind: 'offline' }, loggedOutReason: 'r'.repeat(200) });
    const t = renderInTerminal(<ClientApp session={session} onExit={() => {}} />, 60, 20);
    terminals.push(t);
    await settle();
    const frame = plain(t.lastFrame());
    expectFits(frame, 60, 20);
    expect(frame).toContain('○ offline');
  });
});
