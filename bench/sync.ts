/**
 * bench/sync: central, 2 subs, 3 headless members with real mpv (at least one on each sub) in one room
 * on a generated 25 fps video. Samples every member's mpv over IPC against one monotonic clock and
 * prints median / p95 / max of:
 *   steady-state offset between members while playing; time from `pause` to all paused and the spread
 *   of their paused positions; time from `seek` to all playing within one frame; a late joiner's time
 *   to be within one frame of the others.
 * Then the same with the sub ↔ client link delayed by 40 ± 10 ms (a userspace delay proxy on
 * 127.0.0.2; this kernel has no netem).
 *
 *   node --import tsx bench/sync.ts [--steady-seconds 60] [--trials 5] [--joins 3] [--no-delay-run | --delay-only]
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MpvIpc } from '../src/player/mpv-ipc.js';
import { dial } from '../src/net/dial.js';
import { ClientAcceptsFromServer } from '../src/net/directions.js';
import type { Peer } from '../src/net/peer.js';
import { createLogger } from '../src/core/log.js';
import { startDelayProxy, type DelayProxy } from './delay-proxy.js';
import { CLI, ROOT, deadline, killAll, sleep, start, stats, until } from './bench-kit.js';

const FRAME_MS = 40;
const argNum = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const STEADY_S = argNum('steady-seconds', 60);
const TRIALS = argNum('trials', 5);
const JOINS = argNum('joins', 3);
const quiet = createLogger('bench', () => {}, 'error');

deadline('bench/sync', 20 * 60_000);

interface Member {
  user: string;
  sock: string;
  ipc?: MpvIpc;
  proc?: ReturnType<typeof start>;
}

/** One reading of every member's position, moved to a common instant (ms, on performance.now()). */
async function readAll(members: Member[], prop: 'audio-pts' | 'playback-time'): Promise<{ at: number; pos: number[]; paused: boolean[] }> {
  const raw = await Promise.all(
    members.map(async (m) => {
      const t0 = performance.now();
      const [p, paused] = await Promise.all([m.ipc!.getProperty<number | null>(prop).catch(() => null), m.ipc!.getProperty<boolean>('pause').catch(() => true)]);
      return { stamp: (t0 + performance.now()) / 2, p, paused };
    }),
  );
  const at = Math.max(...raw.map((r) => r.stamp));
  return { at, pos: raw.map((r) => (r.p === null ? NaN : r.p * 1000 + (r.paused ? 0 : at - r.stamp))), paused: raw.map((r) => r.paused) };
}

const spread = (xs: number[]) => Math.max(...xs) - Math.min(...xs);

async function scenario(label: string, delay: boolean): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wp-bench-sync-'));
  const proxies: DelayProxy[] = [];
  try {
    const clip = path.join(dir, 'movie.mkv');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=8000', '-t', '600', '-c:v', 'rawvideo', '-pix_fmt', 'yuv420p', '-c:a', 'pcm_s16le', '-shortest', clip]);
    const central = start(['central', '--headless', '--bind', '127.0.0.1', '--port', '0', '--data', path.join(dir, 'central'), '--heartbeat', '1']);
    const port = Number((await until(() => /ready central 127\.0\.0\.1:(\d+)/.exec(central.out()), 10_000, 'central'))[1]);
    for (let i = 0; i < 2; i++) {
      const args = ['sub', '--headless', '--host', '127.0.0.1', '--port', String(port), '--bind', '127.0.0.1', '--data', path.join(dir, `sub${i}`), '--secret-file', path.join(dir, 'central', 'secret')];
      if (delay) args.push('--advertise', '127.0.0.2');
      const s = start(args);
      const subPort = Number((await until(() => /ready sub 127\.0\.0\.1:(\d+)/.exec(s.out()), 10_000, 'sub'))[1]);
      if (delay) proxies.push(await startDelayProxy({ listenHost: '127.0.0.2', targetHost: '127.0.0.1', port: subPort, delayMs: 40, jitterMs: 10 }));
      await until(() => /registered with central/.test(s.out()), 10_000, 'sub registered');
    }
    const env = { WATCHPARTY_HOME: path.join(dir, 'home') };
    const target = ['--host', '127.0.0.1', '--port', String(port)];
    // Asynchronous on purpose: the delay proxies live in this process and must keep forwarding.
    const cli = (args: string[], input?: string) =>
      new Promise<string>((resolve, reject) => {
        const child = execFile(process.execPath, [CLI, ...args, ...target], { env: { ...process.env, ...env, CI: 'true' }, encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) =>
          err ? reject(new Error(`${args[0]} failed: ${stderr}`)) : resolve(stdout),
        );
        child.stdin!.end(input ?? '');
      });
    const users = ['m1', 'm2', 'm3'];
    const subsOf: string[] = [];
    for (const u of users) subsOf.push(JSON.parse(await cli(['register', u, '--password-stdin', '--json', '--profile', u], 'pw\n')).subId as string);
    if (new Set(subsOf).size < 2) throw new Error('members are not spread over both subs');
    await cli(['upload', clip, '--profile', 'm1']);
    await until(async () => JSON.parse(await cli(['videos', '--json', '--profile', 'm1']))[0]?.replicas === 2, 60_000, 'replicas', 200);
    const roomId = JSON.parse(await cli(['room', 'create', 'movie.mkv', '--invite', 'm2,m3', '--json', '--profile', 'm1'])).id as string;

    const members: Member[] = users.map((u) => ({ user: u, sock: path.join(dir, `${u}.sock`) }));
    const openMember = async (m: Member) => {
      m.proc = start(['watch', roomId, '--headless', '--mpv-ipc', m.sock, '--profile', m.user, ...target], env);
      m.ipc = await MpvIpc.connect(m.sock, 15_000);
    };
    for (const m of members) await openMember(m);
    // The admin's controls, sent from here so the command instant is known exactly.
    const profile = JSON.parse(fs.readFileSync(path.join(dir, 'home', 'profiles', 'm1.json'), 'utf8')) as { token: string; subAddress: string };
    const { peer: admin } = await dial({ address: profile.subAddress, name: 'sub', role: 'client', accepts: ClientAcceptsFromServer, log: quiet });
    await admin.request('session.open', { token: profile.token });
    const control = async (peer: Peer, action: 'play' | 'pause' | 'seek', positionMs?: number) => {
      const t = performance.now();
      await peer.request('room.control', { roomId, action, ...(positionMs !== undefined ? { positionMs } : {}) });
      return t;
    };
    await sleep(2000);
    await control(admin, 'play');
    await until(async () => (await readAll(members, 'playback-time')).paused.every((p) => !p), 10_000, 'all playing');
    await sleep(2000);

    // 1. Steady state.
    const steady: number[] = [];
    const endAt = performance.now() + STEADY_S * 1000;
    while (performance.now() < endAt) {
      const r = await readAll(members, 'audio-pts');
      if (r.paused.every((p) => !p) && r.pos.every(Number.isFinite)) steady.push(spread(r.pos));
      await sleep(50);
    }

    // 2. Pause, 3. seek (each trial: pause, measure, play again, seek, measure).
    const pauseTimes: number[] = [];
    const pauseSpread: number[] = [];
    const seekTimes: number[] = [];
    for (let i = 0; i < TRIALS; i++) {
      const t = await control(admin, 'pause');
      const done = await until(async () => {
        const r = await readAll(members, 'playback-time');
        return r.paused.every(Boolean) ? performance.now() : undefined;
      }, 5000, 'all paused', 2);
      pauseTimes.push(done - t);
      await sleep(600);
      pauseSpread.push(spread((await readAll(members, 'playback-time')).pos));
      await control(admin, 'play');
      await sleep(1500);
      const to = 60_000 + i * 30_000;
      const ts = await control(admin, 'seek', to);
      let good = 0;
      const ok = await until(async () => {
        const r = await readAll(members, 'audio-pts');
        const fine = r.paused.every((p) => !p) && r.pos.every((p) => Number.isFinite(p) && p >= to) && spread(r.pos) <= FRAME_MS;
        good = fine ? good + 1 : 0;
        return good >= 3 ? performance.now() : undefined;
      }, 10_000, 'all together after seek', 10);
      seekTimes.push(ok - ts);
      await sleep(1000);
    }

    // 4. Late joiners: the third member leaves (kill -9) and opens the room again.
    const joinTimes: number[] = [];
    for (let i = 0; i < JOINS; i++) {
      const m = members[2]!;
      m.ipc!.close();
      m.proc!.child.kill('SIGKILL');
      await sleep(2000);
      const t = performance.now();
      await openMember(m);
      let good = 0;
      const ok = await until(async () => {
        const r = await readAll(members, 'audio-pts');
        const fine = r.paused.every((p) => !p) && r.pos.every(Number.isFinite) && spread(r.pos) <= FRAME_MS;
        good = fine ? good + 1 : 0;
        return good >= 3 ? performance.now() : undefined;
      }, 15_000, 'late joiner within a frame', 10);
      joinTimes.push(ok - t);
      await sleep(1000);
    }
    admin.close(1000, 'done');

    console.log(`\n== ${label}`);
    console.log(`steady offset between members, ms     ${stats(steady)}   target: median ≤ 20, p95 ≤ 40`);
    console.log(`pause → all paused, ms                 ${stats(pauseTimes)}   target ≤ 200`);
    console.log(`spread of paused positions, ms         ${stats(pauseSpread)}   target ≤ 40`);
    console.log(`seek → all within one frame, ms        ${stats(seekTimes)}   target ≤ 1500`);
    console.log(`late joiner → within one frame, ms     ${stats(joinTimes)}   target ≤ 2000 (from starting watch)`);
  } finally {
    killAll();
    for (const p of proxies) await p.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', ROOT], { stdio: 'inherit' });
console.log(`bench/sync: 3 members on 2 subs, 25 fps; steady ${STEADY_S} s, ${TRIALS} pause/seek trials, ${JOINS} late joins per scenario`);
if (!process.argv.includes('--delay-only')) await scenario('loopback (no added delay)', false);
if (!process.argv.includes('--no-delay-run')) await scenario('sub ↔ client delayed 40 ± 10 ms (userspace proxy)', true);
process.exit(0);
