/**
 * bench/sync's scripting scenario: `watchparty control ROOM pause|play` run as a fresh process, as a
 * script does, timed from its spawn until every member's mpv (read over its IPC) is paused / playing.
 * The members' mpv report their `pause` property as it changes. Each trial first times a bare `node -e 0` (spawn → exit) on the same machine at the same moment:
 * the baseline the target is stated against (at most 200 ms more than it).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI, killAll, sleep, stats, until } from './bench-kit.js';
import { openSyncRoom, readAll, type SyncRoom } from './sync-room.js';

/** Spawn → exit of `node args…`, ms; rejects on a non-zero exit. */
function timedRun(args: string[], env: NodeJS.ProcessEnv): { started: number; exited: Promise<number> } {
  const started = performance.now();
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number>((resolve, reject) =>
    child.once('exit', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`${args.join(' ')} exited ${code}: ${err}`)))),
  );
  return { started, exited };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? NaN;

export async function controlsFromTheCommandLine(trials: number): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wp-bench-ctl-'));
  let room: SyncRoom | undefined;
  try {
    room = await openSyncRoom(dir, [{}, {}]);
    const { members, roomId } = room;
    const env = { ...process.env, CI: 'true', WATCHPARTY_HOME: path.join(dir, 'home') };
    await until(async () => (await readAll(members, 'playback-time')).paused.every(Boolean), 30_000, 'all paused and open');
    await sleep(2000);
    // Each mpv pushes its `pause` property on change (observe_property): no polling load on the
    // machine while a command starts, and the instant is the one at which the last mpv changed.
    const paused = members.map(() => true);
    let changed = () => {};
    for (const [i, m] of members.entries()) {
      m.ipc!.on('property', (name: string, value: unknown) => {
        if (name !== 'pause') return;
        paused[i] = value === true;
        changed();
      });
      await m.ipc!.observe('pause');
    }
    const allAre = (want: boolean) =>
      new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not all ${want ? 'paused' : 'playing'} after 5 s: ${paused.join(', ')}`)), 5000);
        changed = () => {
          if (!paused.every((p) => p === want)) return;
          clearTimeout(timer);
          changed = () => {};
          resolve(performance.now());
        };
        changed();
      });
    const bare: number[] = [];
    const toPaused: number[] = [];
    const toPlaying: number[] = [];
    const exits: number[] = [];
    const command = async (action: 'pause' | 'play', into: number[]) => {
      const run = timedRun([CLI, 'control', roomId, action, '--profile', 'm1'], env);
      into.push((await allAre(action === 'pause')) - run.started);
      exits.push(await run.exited);
    };
    await command('play', []);
    await sleep(2000);
    for (let i = 0; i < trials; i++) {
      bare.push(await timedRun(['-e', '0'], env).exited);
      await command('pause', toPaused);
      await sleep(1000);
      await command('play', toPlaying);
      await sleep(1500);
    }
    const over = median(toPaused) - median(bare);
    console.log(`\n== controls from the command line: "watchparty control ROOM pause|play" as a new process (loopback), ${trials} trials`);
    console.log(`baseline: node -e 0, spawn → exit, ms  ${stats(bare)}`);
    console.log(`control pause → all paused, ms         ${stats(toPaused)}   ${over.toFixed(0)} ms over the baseline; target ≤ 200`);
    console.log(`control play → all playing, ms         ${stats(toPlaying)}`);
    console.log(`control spawn → exit, ms               ${stats(exits)}`);
  } finally {
    await room?.close();
    killAll();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
