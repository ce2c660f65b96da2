/**
 * bench/failover: a room of 3 members on 2 subs (m1 and m3 on sub A, m2 on sub B), playing; then sub A
 * is drained, `kill -9`ed, or frozen with SIGSTOP (on loopback a killed sub's sockets close at once, a
 * frozen one's do not). Per member, from the event: time stalled (mpv waiting for data), time until it is
 * back in the room on its new sub, and its offset from m2 (never moved, the baseline) one second after
 * that, read from both mpv players at the same moment; and the buffer mpv held when it happened.
 *
 *   node --import tsx bench/failover.ts [--runs 3] [--cache-mib 0] [--only drain|kill|stop]
 *
 * --cache-mib N caps mpv's read-ahead (--demuxer-max-bytes) to show what a small buffer does; 0 (default)
 * keeps mpv's own default, which on loopback holds far more than any failover takes.
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MpvIpc } from '../src/player/mpv-ipc.js';
import { CLI, deadline, killAll, numberArg, sleep, start, stats, until } from './bench-kit.js';

const RUNS = numberArg('runs', 3);
const CACHE_MIB = numberArg('cache-mib', 0);
const ONLY = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const FRAME_MS = 40;
deadline('bench/failover', 40 * 60_000);

type Scenario = 'drain' | 'kill' | 'stop';
interface Member {
  user: string;
  ipc: MpvIpc;
  proc: ReturnType<typeof start>;
}
interface Result {
  stalledMs: number;
  onNewSubMs: number;
  offsetMs: number;
  bufferS: number;
}

async function run(dir: string, clip: string, scenario: Scenario): Promise<Result[]> {
  const central = start(['central', '--headless', '--bind', '127.0.0.1', '--port', '0', '--data', path.join(dir, 'central'), '--heartbeat', '1']);
  const port = Number((await until(() => /ready central 127\.0\.0\.1:(\d+)/.exec(central.out()), 10_000, 'central'))[1]);
  const subs = [];
  for (let i = 0; i < 2; i++) {
    const s = start(['sub', '--headless', '--host', '127.0.0.1', '--port', String(port), '--bind', '127.0.0.1', '--data', path.join(dir, `sub${i}`), '--secret-file', path.join(dir, 'central', 'secret'), '--jobs', '0']);
    await until(() => /registered with central .* as sub-\d+/.test(s.out()), 10_000, 'sub registered');
    subs.push({ ...s, id: /as (sub-\d+)/.exec(s.out())![1]! });
  }
  const env = { WATCHPARTY_HOME: path.join(dir, 'home'), CI: 'true' };
  const cli = (args: string[], input?: string) =>
    new Promise<string>((resolve, reject) => {
      const child = execFile(process.execPath, [CLI, ...args, '--host', '127.0.0.1', '--port', String(port)], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) =>
        err ? reject(new Error(`${args[0]} failed: ${stderr}`)) : resolve(stdout),
      );
      child.stdin!.end(input ?? '');
    });
  const placed: Record<string, string> = {};
  for (const u of ['m1', 'm2', 'm3']) placed[u] = JSON.parse(await cli(['register', u, '--password-stdin', '--json', '--profile', u], 'pw\n')).subId as string;
  const subA = subs.find((s) => s.id === placed.m1)!;
  if (placed.m3 !== subA.id || placed.m2 === subA.id) throw new Error(`unexpected placement ${JSON.stringify(placed)}`);
  await cli(['upload', clip, '--profile', 'm1']);
  await until(async () => JSON.parse(await cli(['videos', '--json', '--profile', 'm1']))[0]?.replicas === 2, 60_000, 'replicas', 200);
  const roomId = JSON.parse(await cli(['room', 'create', 'movie.mkv', '--invite', 'm2,m3', '--json', '--profile', 'm1'])).id as string;
  const members: Member[] = [];
  for (const user of ['m1', 'm2', 'm3']) {
    const sock = path.join(dir, `${user}.sock`);
    const cache = CACHE_MIB > 0 ? ['--mpv-arg', `--demuxer-max-bytes=${CACHE_MIB}MiB`, '--mpv-arg', '--demuxer-max-back-bytes=1MiB'] : [];
    const proc = start(['watch', roomId, '--headless', '--mpv-ipc', sock, '--quality', 'source', ...cache, '--profile', user, '--host', '127.0.0.1', '--port', String(port)], { WATCHPARTY_HOME: env.WATCHPARTY_HOME });
    members.push({ user, proc, ipc: await MpvIpc.connect(sock, 20_000) });
  }
  await cli(['control', roomId, 'play', '--profile', 'm1']);
  // Play a while first: the players settle and fill their buffers as they would in a living room.
  await until(async () => {
    const ps = await Promise.all(members.map((m) => m.ipc.getProperty<boolean>('pause')));
    return ps.every((p) => !p);
  }, 20_000, 'everyone playing', 50);
  await sleep(8000);

  const moved = members.filter((m) => m.user !== 'm2');
  const buffers = await Promise.all(moved.map((m) => m.ipc.getProperty<number>('demuxer-cache-duration').catch(() => 0)));
  const stalled = new Map<string, number>(moved.map((m) => [m.user, 0]));
  const backAt = new Map<string, number>();
  const outLen = new Map(moved.map((m) => [m.user, m.proc.out().length]));
  let sampling = true;
  const t0 = performance.now();
  const sampler = (async () => {
    let last = performance.now();
    while (sampling) {
      const now = performance.now();
      const states = await Promise.all(moved.map((m) => m.ipc.getProperty<boolean>('paused-for-cache').catch(() => false)));
      for (const [i, m] of moved.entries()) {
        if (states[i]) stalled.set(m.user, stalled.get(m.user)! + (now - last));
        if (!backAt.has(m.user) && new RegExp(`back in room \\S+ on (?!${subA.id}\\b)`).test(m.proc.out().slice(outLen.get(m.user)))) backAt.set(m.user, now - t0);
      }
      last = now;
      await sleep(20);
    }
  })();
  const secret = path.join(dir, 'central', 'secret');
  if (scenario === 'drain') await cli(['drain', subA.id, '--secret-file', secret, '--profile', 'm1']);
  else subA.child.kill(scenario === 'kill' ? 'SIGKILL' : 'SIGSTOP');
  await until(() => backAt.size === moved.length, 30_000, 'both moved members back in the room', 20).catch(() => undefined);
  const lastBack = Math.max(...backAt.values());
  await sleep(Math.max(0, t0 + lastBack + 1000 - performance.now()));
  // Offsets from m2, each pair read at the same moment.
  const offsets = await Promise.all(
    moved.map(async (m) => {
      const [a, b] = await Promise.all([m.ipc.getProperty<number>('playback-time'), members[1]!.ipc.getProperty<number>('playback-time')]);
      return Math.abs(a - b) * 1000;
    }),
  );
  await sleep(5000);
  sampling = false;
  await sampler;
  if (scenario === 'stop') subA.child.kill('SIGKILL');
  for (const m of members) m.ipc.close();
  killAll();
  await sleep(300);
  return moved.map((m, i) => ({ stalledMs: stalled.get(m.user)!, onNewSubMs: backAt.get(m.user) ?? NaN, offsetMs: offsets[i]!, bufferS: buffers[i]! }));
}

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'wp-failover-'));
  try {
    const clip = path.join(root, 'movie.mkv');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=8000', '-t', '120', '-c:v', 'rawvideo', '-pix_fmt', 'yuv420p', '-c:a', 'pcm_s16le', '-shortest', clip]);
    console.log(`bench/failover: central (--heartbeat 1) + 2 subs on loopback; 3 members, m1 and m3 on sub A, m2 on sub B; mpv cache ${CACHE_MIB > 0 ? `${CACHE_MIB} MiB` : "mpv's default"}; ${RUNS} run(s) each`);
    let met = true;
    for (const scenario of ['drain', 'kill', 'stop'] as Scenario[]) {
      if (ONLY && ONLY !== scenario) continue;
      const all: Result[] = [];
      for (let r = 0; r < RUNS; r++) {
        const dir = path.join(root, `${scenario}-${r}`);
        fs.mkdirSync(dir);
        all.push(...(await run(dir, clip, scenario)));
      }
      const name = { drain: 'drain (watchparty drain)', kill: 'kill -9 of sub A', stop: 'SIGSTOP of sub A (frozen)' }[scenario];
      console.log(`\n${name}  (m1, m3 × ${RUNS} runs)`);
      console.log(`  stalled, ms                     ${stats(all.map((x) => x.stalledMs))}   target 0`);
      console.log(`  on the new sub after, ms        ${stats(all.map((x) => x.onNewSubMs))}`);
      console.log(`  offset from m2 1 s later, ms    ${stats(all.map((x) => x.offsetMs))}   target ≤ ${FRAME_MS}`);
      console.log(`  mpv's buffer at the event, s    ${stats(all.map((x) => x.bufferS))}`);
      // Positions are frame times (25 fps): one frame apart reads as 40 ms, give or take a rounding.
      met &&= all.every((x) => x.stalledMs === 0 && x.offsetMs <= FRAME_MS + 1 && Number.isFinite(x.onNewSubMs));
    }
    console.log(`\ntargets: ${met ? 'met' : 'NOT met'}`);
    process.exitCode = met ? 0 : 1;
  } finally {
    killAll();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

await main();
