/**
 * Members watching different renditions of one video in one room (real processes, headless mpv):
 * ann on the source, bob on the 240p rendition the sub made, both on the same frame; the room says who
 * plays what; and a quality that does not exist is refused before anything starts.
 */
import { expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { startCluster } from '../helpers/cluster.js';
import { tempDir } from '../helpers/spawn-role.js';
import { waitFor } from '../helpers/wait-for.js';
import { lastStatus } from '../helpers/watch-status.js';
import { withMpv } from '../helpers/mpv-ipc-client.js';

it('ann on the source and bob on 240p play the same frame, and the room shows each one\'s rendition', async () => {
  const c = await startCluster({ subs: 1, jobs: 1 });
  await c.register('ann');
  await c.register('bob');
  const clip = path.join(tempDir(), 'clip.mkv');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '60', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '50', '-c:a', 'aac', '-shortest', clip], { timeout: 60_000 });
  expect((await c.cli('ann', ['upload', clip])).code).toBe(0);
  await waitFor(async () => {
    const [v] = JSON.parse((await c.cli('ann', ['videos', '--json'])).stdout) as { processing: { state: string } | null; renditions: { rung: string; replicas: number }[] }[];
    return v?.processing?.state === 'done' && v.renditions.find((r) => r.rung === '240p')?.replicas === 1 ? true : undefined;
  }, { timeoutMs: 120_000, intervalMs: 500, what: 'the 240p rendition on the sub' });
  const bad = await c.cli('bob', ['watch', 'r-00000000', '--quality', 'best']);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/"best" is not a quality: use auto, source, or a rendition such as 480p/);

  const roomId = (JSON.parse((await c.cli('ann', ['room', 'create', 'clip.mkv', '--invite', 'bob', '--json'])).stdout) as { id: string }).id;
  const socks = { ann: path.join(tempDir(), 'ann.sock'), bob: path.join(tempDir(), 'bob.sock') };
  const ann = c.spawn('ann', ['watch', roomId, '--headless', '--quality', 'source', '--mpv-ipc', socks.ann]);
  const bob = c.spawn('bob', ['watch', roomId, '--headless', '--quality', '240p', '--mpv-ipc', socks.bob]);
  await ann.waitFor(/"paused":true/, 30_000);
  await bob.waitFor(/"paused":true/, 30_000);
  expect((await c.cli('ann', ['control', roomId, 'play'])).code).toBe(0);
  await waitFor(() => {
    const a = lastStatus(ann);
    const b = lastStatus(bob);
    return a && b && !a.paused && !b.paused && a.position > 2 && Math.abs(a.error_ms) < 40 && Math.abs(b.error_ms) < 40 ? true : undefined;
  }, { timeoutMs: 30_000, what: `both playing on the room's frame: ann ${JSON.stringify(lastStatus(ann))}, bob ${JSON.stringify(lastStatus(bob))}` });
  expect(ann.stdout()).toMatch(/"rendition":"source"/);
  expect(bob.stdout()).toMatch(/"rendition":"240p"/);
  // What each mpv really plays, and where: the same frame (audio-pts, each read at its own midpoint).
  const read = (sock: string) => withMpv(sock, async (ipc) => {
    const t0 = performance.now();
    const [pts, height] = await Promise.all([ipc.getProperty<number>('audio-pts'), ipc.getProperty<number>('height')]);
    return { at: (t0 + performance.now()) / 2, pts: pts * 1000, height };
  });
  const [a, b] = await Promise.all([read(socks.ann), read(socks.bob)]);
  expect(a.height).toBe(360);
  expect(b.height).toBe(240);
  expect(Math.abs(a.pts + (b.at - a.at) - b.pts)).toBeLessThan(40);
  const rooms = JSON.parse((await c.cli('ann', ['rooms', '--json'])).stdout) as { id: string; member_states: { user: string; rendition: string | null }[] }[];
  const states = rooms.find((r) => r.id === roomId)!.member_states;
  expect(Object.fromEntries(states.map((m) => [m.user, m.rendition]))).toEqual({ ann: 'source', bob: '240p' });
}, 200_000);
