/**
 * bench/replication: upload a generated video to central with 3 subs and measure
 *   upload MB/s, time until all subs hold verified replicas, replication MB/s, peak RSS of each server,
 * against baselines measured in the same run on the same bytes: `cat` to a file, and a plain ws
 * stream of 4 MiB binary messages over loopback into a file.
 *
 *   node --import tsx bench/replication.ts [--size-mb 1024] [--runs 3] [--subs 3]
 *
 * Everything binds 127.0.0.1; every process started here is killed before exit.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WebSocketServer, WebSocket } from 'ws';
import { CLI, deadline, killAll, numberArg, ROOT, start, stats, until } from './bench-kit.js';


const SIZE_MB = numberArg('size-mb', 1024);
const RUNS = numberArg('runs', 3);
const SUBS = numberArg('subs', 3);
const DEADLINE_MS = 15 * 60_000;

deadline('bench/replication', DEADLINE_MS);

/** Peak resident set (VmHWM) of a live process, in MB. */
function peakRssMB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

function makeVideo(dir: string, mb: number): string {
  const seconds = 30;
  const pixels = (mb * 1024 * 1024) / (seconds * 25 * 1.5);
  const h = Math.round(Math.sqrt((pixels * 9) / 16) / 2) * 2;
  const w = Math.round((h * 16) / 9 / 2) * 2;
  const file = path.join(dir, `bench-${mb}MB.mkv`);
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=size=${w}x${h}:rate=25`, '-t', String(seconds), '-c:v', 'rawvideo', '-pix_fmt', 'yuv420p', file], { timeout: 600_000 });
  return file;
}

async function baselineCat(file: string, dir: string): Promise<number> {
  const out = path.join(dir, 'cat-copy');
  const t0 = performance.now();
  execFileSync('sh', ['-c', `cat "${file}" > "${out}" && sync "${out}" 2>/dev/null || true`]);
  const secs = (performance.now() - t0) / 1000;
  fs.rmSync(out);
  return fs.statSync(file).size / 1e6 / secs;
}

/** The same bytes as 4 MiB binary messages through a plain ws connection on loopback, into a file. */
async function baselineWs(file: string, dir: string): Promise<number> {
  const out = path.join(dir, 'ws-copy');
  const size = fs.statSync(file).size;
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 16 * 1024 * 1024 });
  await new Promise((r) => wss.once('listening', r));
  const port = (wss.address() as { port: number }).port;
  const received = new Promise<void>((resolve) => {
    wss.on('connection', (ws) => {
      const fd = fs.openSync(out, 'w');
      let got = 0;
      ws.on('message', (data: Buffer) => {
        fs.writeSync(fd, data);
        got += data.length;
        ws.send('ack');
        if (got >= size) {
          fs.closeSync(fd);
          resolve();
        }
      });
    });
  });
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
  await new Promise((r) => ws.once('open', r));
  const t0 = performance.now();
  const fd = fs.openSync(file, 'r');
  // Same shape as our protocol: 4 MiB chunks, 3 unacknowledged at most.
  let inFlight = 0;
  let offset = 0;
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (inFlight < 3 && offset < size) {
        const buf = Buffer.allocUnsafe(Math.min(4 * 1024 * 1024, size - offset));
        fs.readSync(fd, buf, 0, buf.length, offset);
        offset += buf.length;
        inFlight++;
        ws.send(buf);
      }
      if (offset >= size && inFlight === 0) resolve();
    };
    ws.on('message', () => {
      inFlight--;
      pump();
    });
    pump();
  });
  await received;
  const secs = (performance.now() - t0) / 1000;
  fs.closeSync(fd);
  ws.close();
  wss.close();
  fs.rmSync(out);
  return size / 1e6 / secs;
}

async function main(): Promise<void> {
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'bundle.mjs')], { stdio: 'inherit' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wp-bench-rep-'));
  try {
    console.log(`bench/replication: ${SIZE_MB} MiB video, ${SUBS} subs, ${RUNS} runs (temp ${dir})`);
    const file = makeVideo(dir, SIZE_MB);
    const size = fs.statSync(file).size;
    const sizeMB = size / 1e6;
    const cat: number[] = [];
    const wsRate: number[] = [];
    const upload: number[] = [];
    const allReplicas: number[] = [];
    const replRate: number[] = [];
    const rss: Record<string, number> = {};
    for (let run = 1; run <= RUNS; run++) {
      cat.push(await baselineCat(file, dir));
      wsRate.push(await baselineWs(file, dir));
      const data = path.join(dir, `run${run}`);
      const central = start(['central', '--headless', '--bind', '127.0.0.1', '--port', '0', '--data', path.join(data, 'central'), '--heartbeat', '1']);
      const port = Number((await until(() => /ready central 127\.0\.0\.1:(\d+)/.exec(central.out()), 10_000, 'central'))[1]);
      const subs: (ReturnType<typeof start> & { dir: string })[] = [];
      for (let i = 0; i < SUBS; i++) {
        const s = start(['sub', '--headless', '--host', '127.0.0.1', '--port', String(port), '--bind', '127.0.0.1', '--data', path.join(data, `sub${i}`), '--secret-file', path.join(data, 'central', 'secret'), '--jobs', '0']);
        await until(() => /registered with central/.test(s.out()), 10_000, `sub ${i}`);
        subs.push({ ...s, dir: path.join(data, `sub${i}`, 'replicas', '1') });
      }
      const env = { WATCHPARTY_HOME: path.join(data, 'home') };
      const target = ['--host', '127.0.0.1', '--port', String(port)];
      execFileSync(process.execPath, [CLI, 'register', 'bench', '--password-stdin', ...target], { input: 'pw\n', env: { ...process.env, ...env } });
      const t0 = performance.now();
      const up = start(['upload', file, ...target], env);
      const code = await new Promise<number | null>((r) => up.child.once('exit', r));
      if (code !== 0) throw new Error(`upload failed: ${up.out()}`);
      const tUploaded = performance.now();
      await until(() => subs.every((s) => fs.existsSync(s.dir)), DEADLINE_MS, 'replicas', 10);
      const tAll = performance.now();
      upload.push(sizeMB / ((tUploaded - t0) / 1000));
      allReplicas.push((tAll - tUploaded) / 1000);
      replRate.push((sizeMB * SUBS) / ((tAll - tUploaded) / 1000));
      rss[`central run${run}`] = peakRssMB(central.child.pid!);
      subs.forEach((s, i) => (rss[`sub${i} run${run}`] = peakRssMB(s.child.pid!)));
      killAll();
      fs.rmSync(data, { recursive: true, force: true });
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log('');
    console.log(`baseline cat to file            MB/s  ${stats(cat)}`);
    console.log(`baseline plain ws (4 MiB, x3)   MB/s  ${stats(wsRate)}`);
    console.log(`upload client→sub→central       MB/s  ${stats(upload)}   ratio to plain ws ${(med(upload) / med(wsRate)).toFixed(2)}`);
    console.log(`publish → all ${SUBS} subs verified   s     ${stats(allReplicas)}`);
    console.log(`replication (all subs, summed)  MB/s  ${stats(replRate)}   ratio to plain ws ${(med(replRate) / med(wsRate)).toFixed(2)}`);
    const peaks = Object.entries(rss);
    const centralPeak = Math.max(...peaks.filter(([k]) => k.startsWith('central')).map(([, v]) => v));
    const subPeak = Math.max(...peaks.filter(([k]) => k.startsWith('sub')).map(([, v]) => v));
    console.log(`peak RSS central                MB    max ${centralPeak.toFixed(0)}  (${peaks.filter(([k]) => k.startsWith('central')).map(([, v]) => v.toFixed(0)).join(', ')})`);
    console.log(`peak RSS per sub                MB    max ${subPeak.toFixed(0)}  (${peaks.filter(([k]) => k.startsWith('sub')).map(([, v]) => v.toFixed(0)).join(', ')})`);
    console.log(`memory target (< 200 MB each): ${centralPeak < 200 && subPeak < 200 ? 'met' : 'NOT met'}`);
  } finally {
    killAll();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
