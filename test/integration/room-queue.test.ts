/**
 * The shared queue with real processes and headless mpv: the admin queues a video, a guest's proposal
 * waits for the admin, the queue survives a central restart, and when the video ends every member's
 * mpv moves to the next one and plays it on the same frame.
 */
import { beforeAll, expect, it } from 'vitest';
import path from 'node:path';
import { startCluster } from '../helpers/cluster.js';
import { fileScope, startCentral, tempDir } from '../helpers/spawn-role.js';
import { makeClip } from '../helpers/make-clip.js';
import { waitFor } from '../helpers/wait-for.js';
import { withMpv } from '../helpers/mpv-ipc-client.js';
import { lastStatus as last } from '../helpers/watch-status.js';

let clips: string[];
beforeAll(async () => {
  const dir = await fileScope(async () => tempDir('wp-clips-'));
  clips = [makeClip(dir, { seconds: 4, width: 64, height: 48, name: 'first.mkv' }), makeClip(dir, { seconds: 40, width: 80, height: 60, name: 'second.mkv' })];
}, 60_000);

interface QueueJson {
  now: string;
  queue: { videoName: string; by: string }[];
  suggestions: { videoName: string; by: string }[];
}

it('when the video ends every member moves to the next in the queue, on the same frame; the queue survives a restart', async () => {
  const c = await startCluster({ subs: 2 });
  expect(await c.register('ann')).not.toBe(await c.register('bob'));
  for (const clip of clips) expect((await c.cli('ann', ['upload', clip])).code).toBe(0);
  await waitFor(async () => {
    const videos = JSON.parse((await c.cli('ann', ['videos', '--json'])).stdout) as { replicas: number }[];
    return videos.length === 2 && videos.every((v) => v.replicas === 2);
  }, { timeoutMs: 20_000, what: 'both videos on both subs' });
  const roomId = (JSON.parse((await c.cli('ann', ['room', 'create', 'first.mkv', '--invite', 'bob', '--json'])).stdout) as { id: string }).id;

  const queued = await c.cli('ann', ['queue', roomId, 'add', 'second.mkv']);
  expect(queued.code, queued.output).toBe(0);
  expect(queued.stdout).toMatch(/1\. second\.mkv/);
  // A guest's add is a suggestion for the admin; the admin passes on it.
  expect((await c.cli('bob', ['queue', roomId, 'add', 'first.mkv'])).code).toBe(0);
  const withSuggestion = JSON.parse((await c.cli('bob', ['queue', roomId, '--json'])).stdout) as QueueJson;
  expect(withSuggestion.suggestions).toEqual([expect.objectContaining({ videoName: 'first.mkv', by: 'bob' })]);
  expect((await c.cli('bob', ['queue', roomId, 'rm', '1'])).stderr).toMatch(/only the admin/);
  expect((await c.cli('ann', ['queue', roomId, 'reject', '1'])).code).toBe(0);
  expect((await c.cli('ann', ['queue', roomId, 'rm', '5'])).stderr).toMatch(/there is no 5 in the queue/);

  // The queue is part of the room: it survives central's kill -9.
  c.central.kill('SIGKILL');
  await c.central.exited();
  const central = await startCentral({ dataDir: c.central.dataDir, port: c.central.port });
  const kept = await waitFor(async () => {
    const r = await c.cli('ann', ['queue', roomId, '--json']);
    return r.code === 0 ? (JSON.parse(r.stdout) as QueueJson) : undefined;
  }, { timeoutMs: 20_000, intervalMs: 500, what: 'the queue after the restart' });
  expect(kept).toMatchObject({ now: 'first.mkv', queue: [{ videoName: 'second.mkv', by: 'ann' }], suggestions: [] });

  const socks = { ann: path.join(tempDir(), 'ann.sock'), bob: path.join(tempDir(), 'bob.sock') };
  const ann = c.spawn('ann', ['watch', roomId, '--headless', '--mpv-ipc', socks.ann]);
  const bob = c.spawn('bob', ['watch', roomId, '--headless', '--mpv-ipc', socks.bob]);
  await ann.waitFor(/"paused":true/, 30_000);
  await bob.waitFor(/"paused":true/, 30_000);
  expect((await c.cli('ann', ['control', roomId, 'play'])).code).toBe(0);

  // first.mkv is 4 s long: then both players load second.mkv and start it together.
  const duration = (sock: string) => withMpv(sock, (ipc) => ipc.getProperty<number>('duration'));
  const playingNext = waitFor(async () => {
    const a = last(ann);
    const b = last(bob);
    if (!a || !b || a.paused || b.paused || a.position < 1 || b.position < 1 || a.position > 30) return undefined;
    if (Math.abs((await duration(socks.ann)) - 40) > 0.5 || Math.abs((await duration(socks.bob)) - 40) > 0.5) return undefined;
    return Math.abs(a.error_ms) < 40 && Math.abs(b.error_ms) < 40 ? true : undefined;
  }, { timeoutMs: 40_000, intervalMs: 200, what: 'both playing second.mkv within a frame of the room' });
  await playingNext.catch((err: Error) => {
    throw new Error(`${err.message}\nann: ${ann.output().slice(-1500)}\nbob: ${bob.output().slice(-800)}\ncentral: ${central.output().slice(-2500)}`);
  });
  // The two players, read at the same moment, show the same frame (25 fps: 40 ms).
  const [ta, tb] = await Promise.all([socks.ann, socks.bob].map((s) => withMpv(s, (ipc) => ipc.getProperty<number>('playback-time'))));
  expect(Math.abs(ta! - tb!)).toBeLessThan(0.045);
  expect(ann.stderr()).toMatch(/now playing second\.mkv/);
  const after = JSON.parse((await c.cli('ann', ['queue', roomId, '--json'])).stdout) as QueueJson;
  expect(after).toMatchObject({ now: 'second.mkv', queue: [] });
  ann.kill('SIGTERM');
  bob.kill('SIGTERM');
}, 180_000);
