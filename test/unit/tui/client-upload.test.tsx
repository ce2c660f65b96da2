import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { ClientApp } from '../../../src/tui/client/ClientApp.js';
import type { ClientSnapshot, UploadState } from '../../../src/tui/client-session.js';
import { createFakeClientSession, KEY, mainSnapshot, makeVideo, plain, press, settle, waitForFrame } from '../../fakes/fake-client-session.js';

afterEach(() => {
  cleanup();
});

const MiB = 1024 * 1024;

async function openUpload(partial: Partial<ClientSnapshot> = {}) {
  const session = createFakeClientSession(mainSnapshot(partial));
  const r = render(<ClientApp session={session} onExit={() => {}} />);
  await settle();
  await press(r.stdin, '2');
  await waitForFrame(r.lastFrame, (f) => f.includes('Upload a video'));
  return { session, ...r };
}

function uploading(partial: Partial<UploadState> = {}): UploadState {
  return { file: '/v/movie.mkv', name: 'movie.mkv', phase: 'uploading', sent: 42 * MiB, size: 100 * MiB, rateBps: 2 * MiB, etaMs: 29_000, resumedFrom: 0, ...partial };
}

describe('UploadTab', () => {
  it('types a path and applies a single Tab completion', async () => {
    const { session, stdin, lastFrame } = await openUpload();
    session.completions['/ho'] = ['/home/'];
    await press(stdin, '/ho');
    await waitForFrame(lastFrame, (f) => /Path \/ho/.test(f));
    await press(stdin, KEY.tab);
    await waitForFrame(lastFrame, (f) => /Path \/home\//.test(f));
    expect(session.callsTo('completePath')).toEqual([['/ho']]);
  });

  it('completes the common prefix of several candidates and lists them', async () => {
    const { session, stdin, lastFrame } = await openUpload();
    await press(stdin, '/v/mo');
    session.completions['/v/mo'] = ['/v/movie-1.mkv', '/v/movie-2.mkv'];
    await press(stdin, KEY.tab);
    const frame = await waitForFrame(lastFrame, (f) => /Path \/v\/movie-/.test(f));
    expect(frame).toContain('movie-1.mkv');
    expect(frame).toContain('movie-2.mkv');
    await press(stdin, 'x', KEY.tab);
    await waitForFrame(lastFrame, (f) => f.includes('no file or directory matches'));
  });

  it('shows at most 8 candidates and how many more', async () => {
    const { session, stdin, lastFrame } = await openUpload();
    session.completions['/d/'] = Array.from({ length: 12 }, (_, i) => `/d/${String.fromCharCode(97 + i)}.mkv`);
    await press(stdin, '/d/', KEY.tab);
    const frame = await waitForFrame(lastFrame, (f) => f.includes('and 4 more'));
    expect(frame).toContain('h.mkv');
    expect(frame).not.toContain('i.mkv');
  });

  it('uploads the typed path with Enter; digits typed after focusing stay in the path', async () => {
    const { session, stdin, lastFrame } = await openUpload();
    await press(stdin, '~/v/2024 clip.mkv');
    await waitForFrame(lastFrame, (f) => f.includes('Path ~/v/2024 clip.mkv'));
    await press(stdin, KEY.enter);
    expect(session.callsTo('upload')).toEqual([['~/v/2024 clip.mkv']]);
  });

  it('shows the progress bar with percent, bytes, rate, ETA and resume point', async () => {
    const { session, lastFrame } = await openUpload();
    session.set({ upload: uploading({ resumedFrom: 10 * MiB }) });
    const frame = await waitForFrame(lastFrame, (f) => f.includes('42%'));
    expect(frame).toMatch(/█+[▏▎▍▌▋▊▉]?░+\s+42%/);
    expect(frame).toContain('42 MiB / 100 MiB');
    expect(frame).toContain('2.0 MiB/s');
    expect(frame).toContain('ETA 29 s');
    expect(frame).toContain('resumed from 10 MiB');
    expect(frame).toContain('movie.mkv · uploading');
    expect(frame).toContain('Esc cancel the upload');
  });

  it.each([
    ['hashing', 'hashing (sha256)…'],
    ['verifying', 'verifying on central'],
  ] as const)('names the %s phase', async (phase, text) => {
    const { session, lastFrame } = await openUpload();
    session.set({ upload: uploading({ phase, sent: 0, rateBps: 0, etaMs: undefined }) });
    const frame = await waitForFrame(lastFrame, (f) => f.includes(text));
    expect(frame).toContain('ETA —');
  });

  it('cancels a running upload with Esc, and lets number keys switch tabs meanwhile', async () => {
    const { session, stdin, lastFrame } = await openUpload();
    session.set({ upload: uploading() });
    await waitForFrame(lastFrame, (f) => f.includes('42%'));
    await press(stdin, KEY.escape);
    expect(session.callsTo('cancelUpload')).toEqual([[]]);
    await press(stdin, '1');
    await waitForFrame(lastFrame, (f) => f.includes('No videos yet'));
  });

  it('shows a finished upload in green words and a failure in place', async () => {
    const { session, lastFrame } = await openUpload();
    session.set({ upload: uploading({ phase: 'done', sent: 100 * MiB, video: makeVideo(9, { name: 'movie.mkv' }) }) });
    await waitForFrame(lastFrame, (f) => f.includes('✓ uploaded movie.mkv'));
    session.set({ upload: uploading({ phase: 'failed', error: 'NAME_TAKEN: "movie.mkv" is already in the catalogue' }) });
    const frame = await waitForFrame(lastFrame, (f) => f.includes('✗ upload of movie.mkv failed'));
    expect(frame).toContain('NAME_TAKEN');
  });

  it('leaves the field with Esc so the number keys switch tabs', async () => {
    const { stdin, lastFrame } = await openUpload();
    await press(stdin, 'abc');
    await waitForFrame(lastFrame, (f) => f.includes('Path abc'));
    await press(stdin, KEY.escape, '3');
    await waitForFrame(lastFrame, (f) => f.includes('No notifications yet'));
    await press(stdin, '2');
    // The half-typed path survives the trip.
    expect(plain(lastFrame())).toContain('Path abc');
  });
});
