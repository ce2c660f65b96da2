import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { ClientApp } from '../../../src/tui/client/ClientApp.js';
import { displayWidth } from '../../../src/tui/width.js';
import type { ClientSnapshot } from '../../../src/tui/client-session.js';
import { createFakeClientSession, KEY, mainSnapshot, makeVideo, plain, press, renderInTerminal, settle, waitForFrame, waitUntil, type FakeTerminal } from '../../fakes/fake-client-session.js';

const terminals: FakeTerminal[] = [];
afterEach(() => {
  cleanup();
  for (const t of terminals.splice(0)) t.unmount();
});

const COLUMNS = 100;

function renderVideos(partial: Partial<ClientSnapshot>) {
  const session = createFakeClientSession(mainSnapshot(partial));
  const r = render(<ClientApp session={session} onExit={() => {}} />);
  return { session, ...r };
}

/** The selected row is marked with › (and drawn inverted where colours are on). */
function selectedLine(frame: string | undefined): string {
  return plain(frame).split('\n').find((l) => /^│ › /.test(l)) ?? '';
}

const catalogue = [
  makeVideo(1, { name: 'Big Buck Bunny.mkv', durationMs: 596_000, width: 1280, height: 720, uploader: 'bob', replicas: 3 }),
  makeVideo(2, { name: 'Sintel.mp4' }),
  makeVideo(3, { name: 'Tears of Steel.webm' }),
  makeVideo(4, { name: 'Elephants Dream.mkv' }),
];

describe('VideosTab', () => {
  it('shows a table of name, duration, resolution, uploader and replicas', () => {
    const { lastFrame } = renderVideos({ videos: catalogue });
    const frame = plain(lastFrame());
    expect(frame).toMatch(/name\s+duration\s+resolution\s+uploader\s+replicas/);
    expect(frame).toMatch(/Big Buck Bunny\.mkv\s+9:56\s+1280×720\s+bob\s+3/);
    expect(frame).toContain('Videos · 4');
  });

  it('filters with /, narrowing the list case-insensitively; Esc clears', async () => {
    const { stdin, lastFrame } = renderVideos({ videos: catalogue });
    await settle();
    await press(stdin, '/', 'T', 'e', 'L');
    const filtered = await waitForFrame(lastFrame, (f) => f.includes('filter: TeL'));
    expect(filtered).toContain('Sintel.mp4');
    expect(filtered).not.toContain('Tears of Steel.webm');
    expect(filtered).not.toContain('Big Buck Bunny');
    await press(stdin, KEY.backspace);
    const wider = await waitForFrame(lastFrame, (f) => f.includes('filter: Te') && !f.includes('filter: TeL'));
    expect(wider).toContain('Sintel.mp4');
    expect(wider).toContain('Tears of Steel.webm');
    expect(wider).not.toContain('Elephants Dream');
    await press(stdin, KEY.escape);
    const all = await waitForFrame(lastFrame, (f) => !f.includes('filter:'));
    expect(all).toContain('Elephants Dream.mkv');
  });

  it('keeps letters, digits and q in the filter while filtering', async () => {
    const { session, stdin, lastFrame } = renderVideos({ videos: catalogue });
    await settle();
    await press(stdin, '/', 'q', '2', 'c');
    await waitForFrame(lastFrame, (f) => f.includes('filter: q2c') && f.includes('No video name contains'));
    expect(session.calls).toEqual([]);
  });

  it('plays the selected video alone with Enter, after moving and filtering', async () => {
    const { session, stdin, lastFrame } = renderVideos({ videos: catalogue });
    await settle();
    await press(stdin, KEY.down, KEY.down);
    await waitForFrame(lastFrame, () => selectedLine(lastFrame()).includes('Tears of Steel'));
    await press(stdin, KEY.enter);
    expect(session.callsTo('playAlone')).toEqual([[3]]);
    // Filter, leave filter mode with Enter (keeping the filter), then Enter plays the match.
    await press(stdin, '/', 'dream', KEY.enter);
    await waitForFrame(lastFrame, (f) => f.includes('filter: dream') && !f.includes('Sintel'));
    await press(stdin, KEY.enter);
    expect(session.callsTo('playAlone')).toEqual([[3], [4]]);
  });

  it('handles keys typed faster than one read: two PgDn and "/9" arriving together', async () => {
    const videos = Array.from({ length: 500 }, (_, i) => makeVideo(i + 1));
    const { stdin, lastFrame } = renderVideos({ videos });
    await settle();
    stdin.write(KEY.pageDown + KEY.pageDown);
    await waitForFrame(lastFrame, () => /video-031\.mkv/.test(selectedLine(lastFrame())));
    stdin.write('/9');
    await waitForFrame(lastFrame, (f) => f.includes('filter: 9'));
  });

  it('says how to add a video when the catalogue is empty', () => {
    const { lastFrame } = renderVideos({ videos: [] });
    expect(plain(lastFrame())).toContain('No videos yet — press 2 to upload one.');
  });

  it('renders 500 videos fast, only the visible window, and scrolls the selection into view', async () => {
    const videos = Array.from({ length: 500 }, (_, i) => makeVideo(i + 1));
    const started = performance.now();
    const { stdin, lastFrame } = renderVideos({ videos });
    expect(performance.now() - started).toBeLessThan(1000);
    const first = plain(lastFrame());
    expect(first).toContain('video-001.mkv');
    expect(first).not.toContain('video-100.mkv');
    expect(first.split('\n').length).toBeLessThanOrEqual(23);
    await settle();
    await press(stdin, KEY.pageDown, KEY.pageDown);
    const scrolled = await waitForFrame(lastFrame, (f) => !f.includes('video-001.mkv'));
    const selected = selectedLine(lastFrame());
    expect(selected).toMatch(/video-\d{3}\.mkv/);
    expect(scrolled).toContain(selected.match(/video-\d{3}\.mkv/)![0]);
    expect(scrolled).toMatch(/Videos · \d+–\d+ of 500/);
    // End jumps to the last video.
    await press(stdin, '\u001b[F');
    await waitForFrame(lastFrame, (f) => f.includes('video-500.mkv'));
  });

  it('keeps a 200-character name and non-ASCII names on one line within the width', async () => {
    const long = 'L'.repeat(200);
    const videos = [makeVideo(1, { name: long }), makeVideo(2, { name: '映画 — Fête.mkv', uploader: 'zoë' }), makeVideo(3, { name: 'multi\nline\tname.mkv' })];
    const { lastFrame } = renderVideos({ videos });
    const frame = plain(lastFrame());
    const lines = frame.split('\n');
    for (const l of lines) expect(displayWidth(l)).toBeLessThanOrEqual(COLUMNS);
    expect(lines.filter((l) => l.includes('LLLL'))).toHaveLength(1);
    expect(frame).toContain('L…');
    const cjk = lines.find((l) => l.includes('映画 — Fête.mkv'))!;
    expect(cjk).toMatch(/映画 — Fête\.mkv\s+1:30:00\s+1920×1080\s+zoë\s+2/);
    expect(frame).toContain('multi line name.mkv');
    // Columns line up: the duration column starts at the same display column on every row.
    const at = (l: string) => displayWidth(l.slice(0, l.indexOf('1:30:00')));
    const rows = lines.filter((l) => l.includes('1:30:00'));
    expect(new Set(rows.map(at)).size).toBe(1);
  });

  it('fits a 60-column terminal with long names', async () => {
    const videos = [makeVideo(1, { name: 'L'.repeat(200) }), makeVideo(2, { name: '映画 — Fête.mkv'.repeat(10) })];
    const session = createFakeClientSession(mainSnapshot({ videos }));
    const t = renderInTerminal(<ClientApp session={session} onExit={() => {}} />, 60, 20);
    terminals.push(t);
    const lines = plain(t.lastFrame()).split('\n');
    for (const l of lines) expect(displayWidth(l)).toBeLessThanOrEqual(60);
    expect(lines.length).toBeLessThanOrEqual(19);
    expect(lines.filter((l) => l.includes('映画'))).toHaveLength(1);
  });
});

describe('CreateRoomDialog', () => {
  it('opens with c, toggles with Space, and creates the room with the checked users, then shows Rooms', async () => {
    const { session, stdin, lastFrame } = renderVideos({ videos: catalogue, users: ['ann', 'bob', 'cid'] });
    await settle();
    await press(stdin, KEY.down, 'c');
    const dialog = await waitForFrame(lastFrame, (f) => f.includes('Create a room'));
    expect(dialog).toContain('Who watches "Sintel.mp4" with you?');
    expect(dialog).toContain('[ ] bob');
    expect(dialog).toContain('[ ] cid');
    // The current user is not offered.
    expect(dialog).not.toMatch(/\[ \] ann/);
    await press(stdin, ' ');
    await waitForFrame(lastFrame, (f) => f.includes('[x] bob'));
    await press(stdin, KEY.enter);
    expect(session.callsTo('createRoom')).toEqual([[2, ['bob']]]);
    await waitForFrame(lastFrame, (f) => f.includes('Not watching'));
  });

  it('cancels with Esc without creating a room', async () => {
    const { session, stdin, lastFrame } = renderVideos({ videos: catalogue, users: ['ann', 'bob'] });
    await settle();
    await press(stdin, 'c');
    await waitForFrame(lastFrame, (f) => f.includes('Create a room'));
    await press(stdin, ' ', KEY.escape);
    await waitForFrame(lastFrame, (f) => f.includes('Big Buck Bunny.mkv') && !f.includes('Create a room'));
    await waitUntil(() => true, 'nothing');
    expect(session.callsTo('createRoom')).toEqual([]);
  });
});
