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
 * Then the real-links scenarios (bench/sync-links.ts): a slow member behind a capped link (on the
 * source, then with --quality auto and the subs' renditions), and the
 * admin's own mpv keys; and `watchparty control` run as a new process, as a script does
 * (bench/sync-control.ts).
 *
 *   node --import tsx bench/sync.ts [--steady-seconds 60] [--trials 5] [--joins 3] [--slow-seconds 60]
 *                                   [--no-delay-run | --delay-only | --links-only | --no-links
 *                                    | --control-only | --auto-only]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deadline, killAll, numberArg, ROOT, sleep, stats, until } from './bench-kit.js';
import { FRAME_MS, openSyncRoom, readAll, spread, type SyncRoom } from './sync-room.js';
import { controlsFromTheKey, slowMember } from './sync-links.js';
import { controlsFromTheCommandLine } from './sync-control.js';

const STEADY_S = numberArg('steady-seconds', 60);
const TRIALS = numberArg('trials', 5);
const JOINS = numberArg('joins', 3);
const SLOW_S = numberArg('slow-seconds', 60);

deadline('bench/sync', 30 * 60_000);

async function scenario(label: string, delay: boolean): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wp-bench-sync-'));
  const link = delay ? { host: '127.0.0.2', delayMs: 40, jitterMs: 10 } : {};
  let room: SyncRoom | undefined;
  try {
    room = await openSyncRoom(dir, [link, link]);
    const { members, openMember } = room;
    const control = room.control;
    await sleep(2000);
    await control('play');
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
      const t = await control('pause');
      const done = await until(async () => {
        const r = await readAll(members, 'playback-time');
        return r.paused.every(Boolean) ? performance.now() : undefined;
      }, 5000, 'all paused', 2);
      pauseTimes.push(done - t);
      await sleep(600);
      pauseSpread.push(spread((await readAll(members, 'playback-time')).pos));
      await control('play');
      await sleep(1500);
      const to = 60_000 + i * 30_000;
      const ts = await control('seek', to);
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

    console.log(`\n== ${label}`);
    console.log(`steady offset between members, ms     ${stats(steady)}   target: median ≤ 20, p95 ≤ 40`);
    console.log(`pause → all paused, ms                 ${stats(pauseTimes)}   target ≤ 200`);
    console.log(`spread of paused positions, ms         ${stats(pauseSpread)}   target ≤ 40`);
    console.log(`seek → all within one frame, ms        ${stats(seekTimes)}   target ≤ 1500`);
    console.log(`late joiner → within one frame, ms     ${stats(joinTimes)}   target ≤ 2000 (from starting watch)`);
  } finally {
    await room?.close();
    killAll();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'bundle.mjs')], { stdio: 'inherit' });
console.log(`bench/sync: 3 members on 2 subs, 25 fps; steady ${STEADY_S} s, ${TRIALS} pause/seek trials, ${JOINS} late joins per scenario`);
const only = process.argv.includes('--control-only');
if (process.argv.includes('--auto-only')) {
  await slowMember(SLOW_S, true);
  process.exit(0);
}
if (!only && !process.argv.includes('--delay-only') && !process.argv.includes('--links-only')) await scenario('loopback (no added delay)', false);
if (!only && !process.argv.includes('--no-delay-run') && !process.argv.includes('--links-only')) await scenario('sub ↔ client delayed 40 ± 10 ms (userspace proxy)', true);
if (!only && !process.argv.includes('--no-links')) {
  await slowMember(SLOW_S);
  await slowMember(SLOW_S, true);
  await controlsFromTheKey(TRIALS);
}
await controlsFromTheCommandLine(Math.max(TRIALS, 10));
process.exit(0);
