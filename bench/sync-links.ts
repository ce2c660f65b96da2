/**
 * bench/sync's real-links scenarios, measured on real headless mpv through each member's IPC socket:
 *
 * slow member: m3's sub is reached through a proxy capping the client-bound rate at 70 % of the
 *   clip's mean rate; with the default settings (the room holds for every member) it prints, per
 *   member, the share of time playing, the stalls (mpv paused-for-cache), the most re-syncs (seeks)
 *   in any 5 s; the share of time all play together, and the spread between them while they do.
 * controls from the key: the admin's own mpv is paused / played over its IPC, as a key press does;
 *   time until every member is paused / playing, and the spread of their positions after.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { killAll, sleep, stats, until } from './bench-kit.js';
import { FRAME_MS, openSyncRoom, readAll, spread, type SyncRoom } from './sync-room.js';

const CAP = 0.7;

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

/** The renditions a member played, in order, from its `watch --headless` status lines. */
function renditionsOf(out: string): string[] {
  const seen: string[] = [];
  for (const line of out.split('\n')) {
    const m = /"rendition":"([^"]+)"/.exec(line);
    if (m && seen[seen.length - 1] !== m[1]) seen.push(m[1]!);
  }
  return seen;
}

/**
 * The slow-member scenario; with `auto`, the subs make renditions first and every member watches with
 * `--quality auto`, so the slow one can step down to what its link carries (its switches are printed).
 */
export async function slowMember(seconds: number, auto = false): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wp-bench-slow-'));
  let room: SyncRoom | undefined;
  try {
    room = await openSyncRoom(dir, [{ jobs: auto ? 1 : 0 }, {}, { host: '127.0.0.3', downBps: (clip) => Math.round(clip * CAP) }], auto ? { quality: 'auto', renditions: true } : {});
    const { members } = room;
    // Every seek each member's mpv makes (ours: re-syncs), from the probe's own IPC connection.
    const seeks = members.map(() => [] as number[]);
    for (const [i, m] of members.entries()) m.ipc!.on('event', (e: { event: string }) => e.event === 'seek' && seeks[i]!.push(performance.now()));
    await until(async () => (await readAll(members, 'playback-time')).paused.every(Boolean), 30_000, 'all paused and open');
    await sleep(2000);
    const t0 = await room.control('play');
    const playing = members.map(() => 0);
    const stalls = members.map(() => 0);
    const wasStalled = members.map(() => false);
    let together = 0;
    let samples = 0;
    const offsets: number[] = [];
    const end = t0 + seconds * 1000;
    for (const list of seeks) list.length = 0;
    while (performance.now() < end) {
      const r = await readAll(members, 'audio-pts');
      samples += 1;
      const moving = r.paused.map((p, i) => !p && !r.stalled[i]);
      moving.forEach((m, i) => (playing[i]! += m ? 1 : 0));
      r.stalled.forEach((s, i) => {
        if (s && !wasStalled[i]) stalls[i]! += 1;
        wasStalled[i] = s;
      });
      if (moving.every(Boolean)) {
        together += 1;
        if (r.pos.every(Number.isFinite)) offsets.push(spread(r.pos));
      }
      await sleep(50);
    }
    const worstWindow = (ts: number[]) => Math.max(0, ...ts.map((t) => ts.filter((u) => u >= t && u < t + 5000).length));
    const target = auto ? 0.98 : CAP - 0.1;
    console.log(`\n== slow member${auto ? ', --quality auto' : ''}: m3's link capped at ${(room.clipBps * CAP / 1000).toFixed(0)} kB/s (${CAP * 100} % of the clip's ${(room.clipBps / 1000).toFixed(0)} kB/s), ${seconds} s`);
    for (const [i, m] of members.entries()) {
      const switches = auto ? `   renditions ${renditionsOf(m.proc!.out()).join(' → ')}` : '';
      console.log(`${m.user}${i === 2 ? ' (slow)' : '       '}  playing ${pct(playing[i]! / samples).padStart(7)}   stalls ${String(stalls[i]).padStart(2)}   most re-syncs in 5 s ${worstWindow(seeks[i]!)}${switches}`);
    }
    if (auto) console.log(`every member playing                   min ${pct(Math.min(...playing) / samples)}   target ≥ 98.0 %`);
    console.log(`all playing together                   ${pct(together / samples)}   target ≥ ${pct(target)}${auto ? '' : ' (cap ÷ clip rate − 10 points)'}`);
    console.log(`spread while all play, ms              ${stats(offsets)}   target ≤ ${FRAME_MS}`);
    console.log(`seek loops (most re-syncs in 5 s)      ${Math.max(...seeks.map(worstWindow))}   target ≤ 1`);
  } finally {
    await room?.close();
    killAll();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function controlsFromTheKey(trials: number): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wp-bench-key-'));
  let room: SyncRoom | undefined;
  try {
    room = await openSyncRoom(dir, [{}, {}]);
    const { members } = room;
    const adminMpv = members[0]!.ipc!;
    await until(async () => (await readAll(members, 'playback-time')).paused.every(Boolean), 30_000, 'all paused and open');
    await sleep(2000);
    await room.control('play');
    await until(async () => (await readAll(members, 'playback-time')).paused.every((p) => !p), 10_000, 'all playing');
    await sleep(3000);
    const toPaused: number[] = [];
    const toPlaying: number[] = [];
    const after: number[] = [];
    for (let i = 0; i < trials; i++) {
      let t = performance.now();
      await adminMpv.setProperty('pause', true);
      toPaused.push((await until(async () => ((await readAll(members, 'playback-time')).paused.every(Boolean) ? performance.now() : undefined), 5000, 'all paused', 1)) - t);
      await sleep(1500);
      t = performance.now();
      await adminMpv.setProperty('pause', false);
      toPlaying.push((await until(async () => ((await readAll(members, 'playback-time')).paused.every((p) => !p) ? performance.now() : undefined), 5000, 'all playing', 1)) - t);
      await sleep(1000);
      after.push(spread((await readAll(members, 'audio-pts')).pos));
      await sleep(1000);
    }
    console.log(`\n== controls from the key: the admin's own mpv, over its IPC as a key press does (loopback), ${trials} trials`);
    console.log(`key pause → all paused, ms             ${stats(toPaused)}   target median ≤ 60`);
    console.log(`key play → all playing, ms             ${stats(toPlaying)}   target median ≤ 150`);
    console.log(`spread 1 s after play, ms              ${stats(after)}   target ≤ ${FRAME_MS}`);
  } finally {
    await room?.close();
    killAll();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
