/**
 * bench/scale: how many viewers one central carries. Real central and N subs on loopback, MEMBERS
 * protocol-level members (bench/scale-members.ts) in rooms of ROOM_SIZE, each a real session on its sub.
 *
 *   1. Accounts and sessions are seeded into central's store before it starts (registration's scrypt
 *      would otherwise take minutes: its cost is measured by the login storm instead).
 *   2. Every member locates its sub through central, opens its session, joins its room; each admin
 *      creates its room with its guests. Members report their player every second, as `watch` does.
 *   3. Steady state, SECONDS long: each admin sends a control (pause, play, seek in turn) every
 *      CONTROL_EVERY seconds, the rooms staggered. Fan-out latency: from the admin's request leaving to the
 *      last member of the room receiving the event. Central's rows written per second (its store's own
 *      count, from `status`), against the controls per second in the same window: a room's state is
 *      written when it really changes, so writes/s ≈ controls/s.
 *   4. The same again with a login storm beside it: LOGINS real `auth.login` (scrypt) at once from 20
 *      addresses. Login throughput, and what the storm does to the fan-out.
 *   5. `kill -9` of one sub: the time for each of its members to be back in its room on another sub.
 * Central's and each sub's CPU (of one core) and peak RSS are read from /proc.
 *
 *   npm run bench:scale -- [--members 5000] [--room-size 10] [--subs 4] [--seconds 30] [--control-every 10] [--logins 200] [--store sqlite|postgres]
 * Targets on a 2-core machine: fan-out p99 ≤ 100 ms; central ≤ 1 core and ≤ 300 MB; writes/s ≈ controls/s.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CentralStore } from '../src/roles/central/store.js';
import { hashPassword, newToken } from '../src/roles/central/accounts.js';
import { CLI, deadline, killAll, numberArg, sleep, start, stats, until } from './bench-kit.js';
import { Conn } from './abuse-conn.js';
import { inLanes, Member, reconnectErrors, sourceOf } from './scale-members.js';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { cpuSeconds, peakRssMb } from './proc-stats.js';
import { startPostgres } from '../test/helpers/postgres.js';

const MEMBERS = numberArg('members', 5000);
const ROOM_SIZE = numberArg('room-size', 10);
const SUBS = numberArg('subs', 4);
const SECONDS = numberArg('seconds', 30);
const CONTROL_EVERY_S = numberArg('control-every', 10);
const LOGINS = numberArg('logins', 200);
/** `--store postgres`: central's state in a throwaway PostgreSQL cluster (test/helpers/postgres.ts). */
const STORE = process.argv.includes('--store') ? process.argv[process.argv.indexOf('--store') + 1] : 'sqlite';
deadline('bench/scale', 25 * 60_000);

const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? NaN;
};
const line = (label: string, xs: number[]) => `${label.padEnd(44)} ${stats(xs)}  p99 ${q(xs, 0.99).toFixed(1)}`;

/** Accounts `v00000…` with one password and one session each, straight into central's store. */
async function seed(dataDir: string, url: string | undefined): Promise<string[]> {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const store = await CentralStore.open({ dataDir, ...(url ? { url } : {}) });
  const { salt, hash } = await hashPassword('pw');
  const tokens: string[] = [];
  const now = Date.now();
  for (let i = 0; i < MEMBERS; i++) {
    const name = `v${String(i).padStart(5, '0')}`;
    await store.addUser({ name, salt, hash, subId: null, createdMs: now });
    const token = newToken();
    await store.sessions.add(token, name, now, sourceOf(i));
    tokens.push(token);
  }
  await store.close();
  return tokens;
}

type Proc = ReturnType<typeof start>;
const usage = (procs: { name: string; p: Proc }[]) => new Map(procs.map(({ name, p }) => [name, cpuSeconds(p.child.pid!)]));

/** One steady window: controls on a schedule; returns the fan-out latencies and what it cost. */
async function steady(members: Member[], rooms: Member[][], status: () => Promise<{ writes: number }>, procs: { name: string; p: Proc }[], beside?: () => Promise<void>) {
  const cpu0 = usage(procs);
  const self0 = process.cpuUsage();
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const writes0 = (await status()).writes;
  const t0 = performance.now();
  const sent: { room: Member[]; seq: number; atMs: number }[] = [];
  let failed = 0;
  const actions = ['pause', 'play', 'seek'] as const;
  const side = beside?.();
  await Promise.all(
    rooms.map(async (room, r) => {
      const admin = room[0]!;
      await sleep(((r / rooms.length) * CONTROL_EVERY_S * 1000) % (CONTROL_EVERY_S * 1000));
      for (let k = 0; performance.now() - t0 < SECONDS * 1000; k++) {
        const action = actions[(k + r) % 3]!;
        const atMs = performance.now();
        try {
          const { room: state } = (await admin.request('room.control', { roomId: admin.room!.id, action, ...(action === 'seek' ? { positionMs: 1000 * ((k * 7) % 50) } : {}) })) as { room: { seq: number } };
          sent.push({ room, seq: state.seq, atMs });
        } catch {
          failed += 1;
        }
        await sleep(Math.max(0, CONTROL_EVERY_S * 1000 - (performance.now() - atMs)));
      }
    }),
  );
  await side;
  const seconds = (performance.now() - t0) / 1000;
  await sleep(1000);
  const writes = (await status()).writes - writes0;
  const cpu1 = usage(procs);
  const fanout: number[] = [];
  let missing = 0;
  for (const c of sent) {
    const last = Math.max(...c.room.map((m) => m.arrivals.get(c.seq) ?? Infinity));
    if (last === Infinity) missing += 1;
    else fanout.push(last - c.atMs);
  }
  const cores = new Map([...cpu1].map(([name, s]) => [name, (s - cpu0.get(name)!) / (seconds + 1)]));
  const self = process.cpuUsage(self0);
  cores.set('bench (members)', (self.user + self.system) / 1e6 / (seconds + 1));
  lag.disable();
  const driverLagP99Ms = lag.percentile(99) / 1e6;
  return { fanout, missing, failed, controlsPerS: sent.length / seconds, writesPerS: writes / (seconds + 1), cores, members: members.length, driverLagP99Ms };
}

let stopPg: (() => void) | undefined;

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wp-scale-'));
  try {
    const centralData = path.join(dir, 'central');
    let t = performance.now();
    const pg = STORE === 'postgres' ? await startPostgres() : undefined;
    if (pg) stopPg = pg.stop;
    const tokens = await seed(centralData, pg?.url);
    console.log(`bench/scale: ${MEMBERS} members in rooms of ${ROOM_SIZE} over ${SUBS} subs on ${os.cpus().length} cores, central's state in ${pg ? 'PostgreSQL' : 'SQLite'}; accounts seeded in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    // SCALE_PROFILE=DIR: central and sub 2 write CPU profiles there when the bench ends (DevTools opens them).
    const profile = process.env.SCALE_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.SCALE_PROFILE}`] : [];
    const central = start(['central', '--headless', '--bind', '127.0.0.1', '--port', '0', '--data', centralData, '--heartbeat', '1', '--rate-scale', '1000', ...(pg ? ['--store', pg.url] : [])], {}, profile);
    const port = Number((await until(() => /ready central 127\.0\.0\.1:(\d+)/.exec(central.out()), 15_000, 'central'))[1]);
    const subs: Proc[] = [];
    for (let i = 0; i < SUBS; i++) {
      const s = start(['sub', '--headless', '--host', '127.0.0.1', '--port', String(port), '--bind', '127.0.0.1', '--data', path.join(dir, `sub${i}`), '--secret-file', path.join(centralData, 'secret'), '--jobs', '0'], {}, i === 1 ? profile : []);
      await until(() => /registered with central/.test(s.out()), 15_000, 'sub registered');
      subs.push(s);
    }
    const procs = [{ name: 'central', p: central }, ...subs.map((p, i) => ({ name: `sub ${i + 1}`, p }))];
    const home = path.join(dir, 'home');
    const cli = (args: string[], input = '') => execFileSync(process.execPath, [CLI, ...args, '--host', '127.0.0.1', '--port', String(port)], { env: { ...process.env, WATCHPARTY_HOME: home, CI: 'true' }, input, encoding: 'utf8' });
    const clip = path.join(dir, 'clip.mkv');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=25', '-t', '60', '-c:v', 'libx264', '-preset', 'ultrafast', clip]);
    cli(['register', 'host', '--password-stdin'], 'pw-host\n');
    cli(['upload', clip]);
    const control = await Conn.open(port, 'client', '127.0.0.2');
    const { videos } = await until(async () => {
      const r = (await control.request('status.get')).result as { videos: number };
      return r.videos > 0 && { videos: r.videos };
    }, 60_000, 'the clip in the catalogue', 100);
    void videos;
    const status = async () => {
      const r = (await control.request('status.get')).result as { store?: { rowsWritten: number } };
      return { writes: r.store?.rowsWritten ?? NaN };
    };

    t = performance.now();
    const members = tokens.map((token, i) => new Member(i, `v${String(i).padStart(5, '0')}`, token, port));
    await inLanes(members, 64, (m) => m.connect());
    const connectS = (performance.now() - t) / 1000;
    const perSub = new Map<string, number>();
    for (const m of members) perSub.set(m.subId, (perSub.get(m.subId) ?? 0) + 1);
    t = performance.now();
    const rooms: Member[][] = [];
    for (let i = 0; i < members.length; i += ROOM_SIZE) rooms.push(members.slice(i, i + ROOM_SIZE));
    const videoId = ((await rooms[0]![0]!.request('videos.list', {})) as { videos: { id: number }[] }).videos[0]!.id;
    await inLanes(rooms, 32, async (room) => {
      const [admin, ...guests] = room;
      const { room: state } = (await admin!.request('room.create', { videoId, invite: guests.map((g) => g.user) })) as { room: { id: string } };
      for (const m of room) await m.join(state.id);
    });
    console.log(`connected ${members.length} members in ${connectS.toFixed(1)} s (per sub ${[...perSub.values()].join(' / ')}); ${rooms.length} rooms made and joined in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    await sleep(3000);

    const report = (title: string, r: Awaited<ReturnType<typeof steady>>) => {
      console.log(`\n${title}: ${r.controlsPerS.toFixed(1)} controls/s, ${(r.controlsPerS * ROOM_SIZE).toFixed(0)} deliveries/s, ${r.members} members reporting every second`);
      console.log(line('control → last member of the room, ms', r.fanout) + `   target p99 ≤ 100`);
      console.log(`controls lost / failed                        ${r.missing} / ${r.failed}`);
      console.log(`central rows written/s                        ${r.writesPerS.toFixed(1)}   (${(r.writesPerS / r.controlsPerS).toFixed(2)} per control)`);
      console.log(`CPU, cores                                    ${[...r.cores].map(([n, c]) => `${n} ${c.toFixed(2)}`).join(' · ')}`);
      console.log(`the bench's own event-loop delay p99, ms      ${r.driverLagP99Ms.toFixed(1)}   (the members' clock: latencies include it)`);
    };
    const quiet = await steady(members, rooms, status, procs);
    report('steady', quiet);

    const logins: number[] = [];
    let loginFailures = 0;
    let stormS = 0;
    const storm = async () => {
      await sleep(2000);
      const conns = await Promise.all(Array.from({ length: 20 }, (_, i) => Conn.open(port, 'client', `127.3.0.${i + 1}`)));
      const s0 = performance.now();
      await Promise.all(
        Array.from({ length: LOGINS }, async (_, i) => {
          const at = performance.now();
          const r = await conns[i % conns.length]!.request('auth.login', { user: `v${String(i).padStart(5, '0')}`, password: 'pw' }, 120_000);
          if (r.error) loginFailures += 1;
          else logins.push(performance.now() - at);
        }),
      );
      stormS = (performance.now() - s0) / 1000;
      for (const c of conns) c.ws.close();
    };
    if (LOGINS > 0) {
      const stormed = await steady(members, rooms, status, procs, storm);
      report(`with a login storm (${LOGINS} logins at once)`, stormed);
      console.log(line('login (scrypt) latency, ms', logins) + `   ${(logins.length / stormS).toFixed(1)} logins/s, ${loginFailures} failed`);
    }

    const rss = procs.map(({ name, p }) => ({ name, mb: peakRssMb(p.child.pid!) ?? Infinity }));
    console.log(`peak RSS, MB                                  ${rss.map((r) => `${r.name} ${r.mb.toFixed(0)}`).join(' · ')}   target central ≤ 300`);
    const victim = subs[0]!;
    const onVictim = members.filter((m) => m.subId === 'sub-1');
    const killedAt = performance.now();
    victim.child.kill('SIGKILL');
    await until(() => onVictim.every((m) => m.backAtMs !== undefined), 60_000, 'every member of the killed sub back in its room', 50).catch(() => undefined);
    const back = onVictim.filter((m) => m.backAtMs !== undefined).map((m) => m.backAtMs! - killedAt);
    console.log(`\nkill -9 of sub-1 under ${onVictim.length} members:`);
    if (reconnectErrors.size) console.log(`failed attempts: ${[...reconnectErrors].map(([why, n]) => `${n}× ${why}`).join('; ')}`);
    const phase = (f: (m: Member) => number | undefined) => onVictim.flatMap((m) => (f(m) !== undefined ? [f(m)! - killedAt] : []));
    console.log(line('  … placed on another sub by central, ms', phase((m) => m.placedAtMs)));
    console.log(line('  … session open there, ms', phase((m) => m.openedAtMs)));
    console.log(line('kill → member back in its room, ms', back) + `   all back: ${back.length === onVictim.length ? `${(Math.max(...back) / 1000).toFixed(1)} s` : `NO (${onVictim.length - back.length} not back)`}; failed attempts ${onVictim.reduce((n, m) => n + m.reconnectFailures, 0)}`);

    const centralRss = rss[0]!.mb;
    const met = q(quiet.fanout, 0.99) <= 100 && quiet.missing === 0 && (quiet.cores.get('central') ?? 9) <= 1 && centralRss <= 300;
    console.log(`targets (steady): ${met ? 'met' : 'NOT met'}`);
    process.exitCode = met ? 0 : 1;
    for (const m of members) m.stop();
    control.ws.close();
    if (process.env.SCALE_PROFILE) {
      for (const p of [central, subs[1]!]) {
        p.child.kill('SIGINT');
        await new Promise((r) => p.child.once('exit', r));
      }
    }
  } finally {
    killAll();
    stopPg?.();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
