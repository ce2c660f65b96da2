/**
 * Draining subs with real processes and headless mpv: viewers move to another sub while they play
 * (mpv keeps its URL and never runs dry, with a small cache so that any pause in the bytes would show),
 * SIGTERM drains, a drained sub restarted on its data keeps its replicas, and an upload goes on through
 * the next sub.
 */
import { beforeAll, expect, it } from 'vitest';
import path from 'node:path';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { CLI, fileScope, secretFileOf, startSub, status, tempDir, type Proc } from '../helpers/spawn-role.js';
import { openTerminal } from '../helpers/tmux.js';
import { makeClip } from '../helpers/make-clip.js';
import { waitFor } from '../helpers/wait-for.js';
import { MpvIpc } from '../../src/player/mpv-ipc.js';
import { lastStatus } from '../helpers/watch-status.js';

let clip: string;
let big: string;
beforeAll(async () => {
  const dir = await fileScope(async () => tempDir('wp-clips-'));
  // 160×120 rawvideo at 25 fps: ~0.7 MB a second, so a 2 MiB cache holds under 3 s of it.
  clip = makeClip(dir, { seconds: 60, width: 160, height: 120, name: 'movie.mkv' });
  big = makeClip(dir, { seconds: 20, approxMB: 120, name: 'big.mkv' });
}, 120_000);

/** mpv reads ahead at most this much: a relay that stopped for longer than ~3 s would starve it. */
const SMALL_CACHE = ['--mpv-arg', '--demuxer-max-bytes=2MiB', '--mpv-arg', '--demuxer-max-back-bytes=1MiB'];

interface Viewer {
  user: string;
  proc: Proc;
  ipc: MpvIpc;
  /** Samples in which mpv had paused itself for want of data, or was paused. */
  stalls: string[];
  /** The stream URL mpv opened: it must never change (no reload). */
  path: string;
}

async function openViewers(c: Cluster, roomId: string, users: string[]): Promise<Viewer[]> {
  const viewers: Viewer[] = [];
  for (const user of users) {
    const sock = path.join(tempDir(), `${user}.sock`);
    const proc = c.spawn(user, ['watch', roomId, '--headless', '--mpv-ipc', sock, ...SMALL_CACHE]);
    await proc.waitFor(/"paused":true/, 30_000);
    const ipc = await MpvIpc.connect(sock, 10_000);
    viewers.push({ user, proc, ipc, stalls: [], path: await ipc.getProperty<string>('path') });
  }
  return viewers;
}

/** Every 50 ms, note any viewer whose mpv is paused or waiting for data; returns a stop function. */
function watchForStalls(viewers: Viewer[]): () => void {
  let on = true;
  void (async () => {
    while (on) {
      await Promise.all(
        viewers.map(async (v) => {
          const [forCache, paused] = await Promise.all([v.ipc.getProperty<boolean>('paused-for-cache').catch(() => false), v.ipc.getProperty<boolean>('pause').catch(() => false)]);
          if (on && (forCache || paused)) v.stalls.push(`${new Date().toISOString().slice(17, 23)} ${forCache ? 'waiting for data' : 'paused'}`);
        }),
      );
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return () => (on = false);
}

async function allPlayingTogether(viewers: Viewer[], what: string): Promise<void> {
  await waitFor(
    () => viewers.every((v) => {
      const s = lastStatus(v.proc);
      return s && !s.paused && Math.abs(s.error_ms) < 40;
    }),
    { timeoutMs: 20_000, intervalMs: 100, what },
  );
  // Read at the same moment, the players show the same frame (25 fps: 40 ms).
  const times = await Promise.all(viewers.map((v) => v.ipc.getProperty<number>('playback-time')));
  expect(Math.max(...times) - Math.min(...times)).toBeLessThan(0.045);
}

async function party(c: Cluster, users: string[]): Promise<{ roomId: string; viewers: Viewer[] }> {
  expect((await c.cli(users[0]!, ['upload', clip])).code).toBe(0);
  await waitFor(async () => JSON.parse((await c.cli(users[0]!, ['videos', '--json'])).stdout)[0]?.replicas === c.subs.length, { timeoutMs: 30_000, what: 'replicas' });
  const r = await c.cli(users[0]!, ['room', 'create', 'movie.mkv', '--invite', users.slice(1).join(','), '--json']);
  expect(r.code, r.output).toBe(0);
  const roomId = (JSON.parse(r.stdout) as { id: string }).id;
  const viewers = await openViewers(c, roomId, users);
  expect((await c.cli(users[0]!, ['control', roomId, 'play'])).code).toBe(0);
  await allPlayingTogether(viewers, 'everyone playing together');
  return { roomId, viewers };
}

it('drain moves every viewer of a sub to the other while the room plays: no stall, no reload, one frame apart a second later', async () => {
  const c = await startCluster({ subs: 2 });
  const placed = { ann: await c.register('ann'), bob: await c.register('bob'), cat: await c.register('cat') };
  const [drained, other] = c.subs[0]!.subId === placed.ann ? [c.subs[0]!, c.subs[1]!] : [c.subs[1]!, c.subs[0]!];
  expect(placed.cat).toBe(placed.ann);
  const { viewers } = await party(c, ['ann', 'bob', 'cat']);
  const stop = watchForStalls(viewers);
  try {
    // Without the secret nothing happens.
    const refused = await c.cli('ann', ['drain', drained.subId]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/cluster secret/);

    const r = await c.cli('ann', ['drain', drained.subId, '--secret-file', secretFileOf(c.central), '--timeout', '30']);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`${drained.subId} is draining: 2 users moving to the other sub`));
    const movedAt = Date.now();
    expect(await drained.exited(20_000)).toBe(0);
    expect(drained.output()).toMatch(/drained: every client moved/);
    for (const v of viewers.filter((x) => x.user !== 'bob')) await v.proc.waitFor(new RegExp(`back in room \\S+ on ${other.subId}`), 10_000);
    const st = await status(c.central.port);
    expect(st.subs.map((s) => s.id)).toEqual([other.subId]);
    // A second after the switch: within one frame of the room, and of each other.
    await new Promise((res) => setTimeout(res, Math.max(0, movedAt + 1500 - Date.now())));
    await allPlayingTogether(viewers, 'everyone within a frame after the drain');
    // Long enough for a starved 2 MiB cache to show.
    await new Promise((res) => setTimeout(res, 3000));
  } finally {
    stop();
  }
  for (const v of viewers) {
    expect(v.stalls, `${v.user}: ${v.proc.stderr().slice(-1500)}`).toEqual([]);
    expect(await v.ipc.getProperty<string>('path')).toBe(v.path);
    v.ipc.close();
  }
}, 120_000);

it('SIGTERM drains a sub; restarted on the same data it keeps its replica and takes users again', async () => {
  const c = await startCluster({ subs: 2 });
  const placed = { ann: await c.register('ann'), bob: await c.register('bob') };
  const bobSub = c.subs.find((s) => s.subId === placed.bob)!;
  const { viewers } = await party(c, ['ann', 'bob']);
  const stop = watchForStalls(viewers);
  try {
    bobSub.kill('SIGTERM');
    await bobSub.waitFor(/SIGTERM: draining/, 5000);
    expect(await bobSub.exited(20_000)).toBe(0);
    await viewers[1]!.proc.waitFor(new RegExp(`back in room \\S+ on ${placed.ann}`), 10_000);
    await new Promise((res) => setTimeout(res, 1500));
    await allPlayingTogether(viewers, 'both within a frame after SIGTERM');
  } finally {
    stop();
  }
  for (const v of viewers) expect(v.stalls, `${v.user}: ${v.proc.stderr().slice(-1500)}`).toEqual([]);

  // A rolling restart: the same data folder, so the verified replica is checked, not pulled again.
  const back = await startSub(c.central, { dataDir: bobSub.dataDir });
  await back.waitFor(/replica #1 checked \(size and sha256 ok\): serving it/, 15_000);
  expect(back.output()).not.toMatch(/replica of "movie\.mkv" verified/);
  expect(await c.register('dan')).toBe(back.subId);
  for (const v of viewers) v.ipc.close();
}, 120_000);

it('an upload goes on through another sub when its sub drains under it', async () => {
  const c = await startCluster({ subs: 2 });
  const annSub = await c.register('ann');
  const sub = c.subs.find((s) => s.subId === annSub)!;
  const upload = c.spawn('ann', ['upload', big]);
  // Drain as the bytes start to flow (hashing done): 120 MB take a few seconds through the sub.
  await upload.waitFor(/\]\s+\d+%/, 60_000);
  const r = await c.cli('ann', ['drain', annSub, '--secret-file', secretFileOf(c.central)]);
  expect(r.code, r.output).toBe(0);
  expect(await upload.exited(120_000), upload.output()).toBe(0);
  expect(upload.stderr()).toMatch(/continuing through another/);
  expect(await sub.exited(20_000), sub.output()).toBe(0);
  const [video] = JSON.parse((await c.cli('ann', ['videos', '--json'])).stdout) as { name: string; replicas: number }[];
  expect(video).toMatchObject({ name: 'big.mkv' });
}, 180_000);

it("the TUI's upload goes on through another sub too", async () => {
  const c = await startCluster({ subs: 2 });
  const annSub = await c.register('ann');
  const ann = openTerminal(`node ${CLI} client --profile ann --mpv-headless --host 127.0.0.1 --port ${c.central.port}`, { cols: 120, rows: 30, env: { WATCHPARTY_HOME: c.home } });
  await ann.waitForScreen(/watchparty · ann/, 15_000);
  ann.press('2');
  await ann.waitForScreen(/Upload a video/);
  ann.type(big);
  await new Promise((r) => setTimeout(r, 300));
  ann.press('Enter');
  await ann.waitForScreen(/\d+%/, 60_000);
  const r = await c.cli('ann', ['drain', annSub, '--secret-file', secretFileOf(c.central)]);
  expect(r.code, r.output).toBe(0);
  await ann.waitForScreen(/uploaded big\.mkv/, 120_000);
  const [video] = JSON.parse((await c.cli('ann', ['videos', '--json'])).stdout) as { name: string }[];
  expect(video).toMatchObject({ name: 'big.mkv' });
  ann.press('q');
}, 180_000);
