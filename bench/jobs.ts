/**
 * bench/jobs: the wall time from upload to the full rendition ladder, done by 1 and by 2 worker subs,
 * next to one plain ffmpeg that decodes the clip once and encodes the same ladder (every rung's video
 * and audio) in the same run: the baseline. Also the CPU time the tasks cost, summed by kind, and what
 * that projects for N worker machines.
 *
 *   node --import tsx bench/jobs.ts [--seconds 120] [--height 1080] [--workers 1,2]
 *
 * The clip is generated (testsrc2 + a tone, H.264). Everything binds 127.0.0.1; every process started
 * here is killed before exit.
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI, deadline, killAll, start, until } from './bench-kit.js';
import { ladderFor } from '../src/roles/shared/job-plan.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}
const SECONDS = Number(arg('seconds', '120'));
const HEIGHT = Number(arg('height', '1080'));
const WORKERS = arg('workers', '1,2').split(',').map(Number);
deadline('bench/jobs', 60 * 60_000);

function makeClip(dir: string): string {
  const width = Math.round((HEIGHT * 16) / 9 / 2) * 2;
  const file = path.join(dir, `clip-${HEIGHT}p-${SECONDS}s.mkv`);
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${width}x${HEIGHT}:rate=25`, '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', String(SECONDS), '-c:v', 'libx264', '-preset', 'veryfast', '-b:v', '8M', '-c:a', 'aac', '-shortest', file], { timeout: 1_800_000 });
  return file;
}

/** One ffmpeg, one decode, the whole ladder (same encoder settings as the segment tasks). */
async function baseline(clip: string, dir: string): Promise<number> {
  const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height,bit_rate', '-of', 'json', clip], { encoding: 'utf8' })) as { streams: { width: number; height: number }[] };
  const rungs = ladderFor({ width: probe.streams[0]!.width, height: probe.streams[0]!.height });
  const split = `[0:v]split=${rungs.length}${rungs.map((_, i) => `[s${i}]`).join('')};` + rungs.map((r, i) => `[s${i}]scale=${r.width}:${r.height}:flags=bicubic,setsar=1[v${i}]`).join(';');
  const outputs = rungs.flatMap((r, i) => [
    '-map', `[v${i}]`, '-map', '0:a', '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p',
    '-b:v', String(r.videoBps), '-maxrate', String(Math.round(r.videoBps * 1.5)), '-bufsize', String(r.videoBps * 2),
    '-g', '50', '-keyint_min', '50', '-sc_threshold', '0', '-c:a', 'aac', '-b:a', String(r.audioBps), path.join(dir, `base-${r.rung}.mkv`),
  ]);
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) =>
    execFile('ffmpeg', ['-v', 'error', '-y', '-i', clip, '-filter_complex', split, ...outputs], { timeout: 1_800_000 }, (err) => (err ? reject(err) : resolve())),
  );
  return (performance.now() - t0) / 1000;
}

interface Task {
  kind: string;
  cpu: number | null;
  duration: number | null;
  worker: string | null;
}

async function cluster(clip: string, dir: string, workers: number): Promise<{ wall: number; tasks: Task[] }> {
  const data = path.join(dir, `cluster-${workers}`);
  const central = start(['central', '--headless', '--bind', '127.0.0.1', '--port', '0', '--data', path.join(data, 'central'), '--heartbeat', '2']);
  const port = Number((await until(() => /ready central 127\.0\.0\.1:(\d+)/.exec(central.out()), 10_000, 'central'))[1]);
  // One sub for the uploader that only streams, then the workers: each runs one task at a time.
  const sub = (name: string, jobs: number) =>
    start(['sub', '--headless', '--host', '127.0.0.1', '--port', String(port), '--bind', '127.0.0.1', '--data', path.join(data, name), '--secret-file', path.join(data, 'central', 'secret'), '--jobs', String(jobs)]);
  const streamer = sub('streamer', 0);
  await until(() => /registered with central/.test(streamer.out()), 10_000, 'streaming sub');
  const home = path.join(data, 'home');
  const cli = (args: string[], input?: string) => {
    const out = execFileSync(process.execPath, [CLI, ...args, '--host', '127.0.0.1', '--port', String(port)], { env: { ...process.env, WATCHPARTY_HOME: home, CI: 'true' }, input: input ?? '', encoding: 'utf8', timeout: 600_000 });
    return out;
  };
  cli(['register', 'bench', '--password-stdin'], 'pw\n');
  cli(['upload', clip]);
  // From the moment the video is published: the baseline moves no bytes either.
  const t0 = performance.now();
  for (let i = 0; i < workers; i++) {
    const w = sub(`worker${i}`, 1);
    await until(() => /registered with central/.test(w.out()), 10_000, 'worker');
  }
  await until(() => {
    const [v] = JSON.parse(cli(['videos', '--json'])) as { processing: { state: string } | null }[];
    return v?.processing?.state === 'done' || v?.processing?.state === 'failed';
  }, 3_600_000, 'the ladder', 1000);
  const wall = (performance.now() - t0) / 1000;
  const tasks = JSON.parse(cli(['jobs', '--json'])) as Task[];
  killAll();
  return { wall, tasks };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wp-bench-jobs-'));
  try {
    console.log(`bench/jobs: ${SECONDS} s of ${HEIGHT}p (testsrc2, H.264 8 Mbit/s) on ${os.availableParallelism()} cores; the ladder ${ladderFor({ width: Math.round((HEIGHT * 16) / 9 / 2) * 2, height: HEIGHT }).map((r) => r.rung).join(', ')}`);
    const clip = makeClip(dir);
    const base = await baseline(clip, dir);
    console.log(`baseline: one ffmpeg, one decode, the whole ladder   wall ${base.toFixed(1)} s`);
    for (const n of WORKERS) {
      const { wall, tasks } = await cluster(clip, dir, n);
      const cpu = tasks.reduce((s, t) => s + (t.cpu ?? 0), 0);
      const byKind = new Map<string, { n: number; cpu: number; wall: number }>();
      for (const t of tasks) {
        const k = byKind.get(t.kind) ?? { n: 0, cpu: 0, wall: 0 };
        byKind.set(t.kind, { n: k.n + 1, cpu: k.cpu + (t.cpu ?? 0), wall: k.wall + (t.duration ?? 0) });
      }
      const workersUsed = new Set(tasks.map((t) => t.worker).filter(Boolean)).size;
      console.log(`${n} worker sub${n > 1 ? 's' : ' '} (${workersUsed} took tasks): upload → full ladder   wall ${wall.toFixed(1)} s   ratio to baseline ${(wall / base).toFixed(2)}   target ≤ 1.50 at 1 worker`);
      console.log(`   tasks ${tasks.length}, CPU ${cpu.toFixed(1)} s in all: ${[...byKind].map(([k, v]) => `${k} ${v.n}× ${v.cpu.toFixed(1)} s`).join(', ')}`);
      console.log(`   wall of the tasks, summed by kind: ${[...byKind].map(([k, v]) => `${k} ${v.wall.toFixed(1)} s`).join(', ')}`);
      const serial = (byKind.get('probe')?.wall ?? 0) + Math.max(...tasks.filter((t) => t.kind === 'assemble').map((t) => t.duration ?? 0), 0);
      const cores = os.availableParallelism();
      const projection = [2, 4, 8].map((m) => `${m} machines ≈ ${(serial + cpu / (m * cores)).toFixed(0)} s`).join(', ');
      if (n === WORKERS[WORKERS.length - 1]) console.log(`   projected on ${cores}-core worker machines (probe + slowest assemble + CPU ÷ cores): ${projection}`);
    }
  } finally {
    killAll();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
