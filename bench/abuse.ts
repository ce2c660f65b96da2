/**
 * bench/abuse: 50 attacking sockets against central and one sub for a minute, while a normal client
 * keeps using the cluster. Prints the peak RSS of central and of the sub (target ≤ 250 MB each),
 * whether the sub was ever suspected or declared dead (target: never), and the normal client's request
 * latency during the attack against a baseline measured just before it in the same run
 * (target p99 ≤ 100 ms).
 *
 *   node --import tsx bench/abuse.ts [--seconds 60] [--baseline-seconds 10]
 *
 * Attackers (all from 127.0.0.1, so central runs with --rate-scale 1000 to let them register):
 *   20 anonymous sockets at central flooding status.get and never reading a reply;
 *   10 logged-in sockets at the sub flooding relayed users.list and never reading;
 *   10 logged-in sockets at the sub sending bursts of 25 upload.chunk frames of 4 MiB;
 *   10 logged-in slow readers at the sub, reading a few KB a second while asking for the catalogue.
 * Sockets the servers close are reopened, so the pressure lasts the whole run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { deadline, killAll, sleep, start, stats, until } from './bench-kit.js';
import { encodeFrame, encodeHeader, UPLOAD_CHUNK_BYTES } from '../src/net/frame.js';
import { PROTOCOL_VERSION } from '../src/net/messages.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const SECONDS = arg('seconds', 60);
const BASELINE_SECONDS = arg('baseline-seconds', 10);
/** `--only central-flood|sub-flood|chunks|slow` runs one kind of attacker (to find which one hurts). */
const ONLY = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const runs = (kind: string) => ONLY === undefined || ONLY === kind;
if (!process.argv.includes('--normal-client')) deadline('bench/abuse', (SECONDS + BASELINE_SECONDS) * 1000 + 5 * 60_000);

function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** A minimal protocol speaker: requests with ids and replies, nothing else. */
class Conn {
  private nextId = 1;
  private readonly waiting = new Map<number, (h: Record<string, unknown>) => void>();
  closed = false;
  closeCode: number | undefined;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d: Buffer) => {
      const h = JSON.parse(d.subarray(4, 4 + d.readUInt32BE(0)).toString()) as Record<string, unknown>;
      if (h.type === 'reply') {
        this.waiting.get(h.replyTo as number)?.(h);
        this.waiting.delete(h.replyTo as number);
      }
    });
    ws.on('close', (code: number) => {
      this.closed = true;
      this.closeCode = code;
      for (const w of this.waiting.values()) w({ error: { code: 'CLOSED' } });
      this.waiting.clear();
    });
    ws.on('error', () => {});
  }

  static async open(port: number, role: 'client' | 'sub' = 'client'): Promise<Conn> {
    // An all-zero mask: attackers choose their masks, and this keeps their CPU off the servers' cores.
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false, generateMask: (m: Buffer) => void m.fill(0) });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const c = new Conn(ws);
    const r = await c.request('hello', { protocol: PROTOCOL_VERSION, role, version: 'bench-abuse' });
    if (r.error) throw new Error(`hello: ${JSON.stringify(r.error)}`);
    return c;
  }

  request(type: string, params: object = {}, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ error: { code: 'TIMEOUT' } }), timeoutMs);
      this.waiting.set(id, (h) => {
        clearTimeout(timer);
        resolve(h);
      });
      this.ws.send(encodeFrame({ ...params, type, id }));
    });
  }

  /** Send without waiting (ids are never looked up). */
  fire(type: string, params: object = {}): void {
    this.ws.send(encodeFrame({ ...params, type, id: this.nextId++ }));
  }

  /** Stop reading from the socket, as a client that never reads its replies. */
  stopReading(): void {
    (this.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  }

  socket(): { pause(): void; resume(): void } {
    return (this.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  }
}

/** The normal client's process: a relayed request through its sub every 100 ms, status at central every 500 ms. */
async function normalClientThread(): Promise<void> {
  const { port, subPort, token } = await new Promise<{ port: number; subPort: number; token: string }>((resolve) => process.once('message', (m) => resolve(m as never)));
  const sub = await Conn.open(subPort);
  const opened = await sub.request('session.open', { token });
  if (opened.error) throw new Error(`session.open: ${JSON.stringify(opened.error)}`);
  const central = await Conn.open(port);
  let phase = 'baseline' as 'baseline' | 'attack' | 'done';
  process.on('message', (m) => (phase = m as 'attack' | 'done'));
  process.send!('ready');
  const latencies = { baseline: [] as number[], attack: [] as number[] };
  let failures = 0;
  for (let n = 0; phase !== 'done'; n++) {
    const t0 = performance.now();
    const r = n % 5 === 4 ? await central.request('status.get') : await sub.request('rooms.list');
    const ms = performance.now() - t0;
    const now = phase as 'baseline' | 'attack' | 'done';
    if (r.error) failures += 1;
    else if (now !== 'done') latencies[now].push(ms);
    await sleep(Math.max(0, 100 - ms));
  }
  process.send!({ latencies, failures });
  sub.ws.close();
  central.ws.close();
  process.disconnect();
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wp-abuse-'));
  try {
    const central = start(['central', '--headless', '--bind', '127.0.0.1', '--port', '0', '--data', path.join(dir, 'central'), '--heartbeat', '1', '--rate-scale', '1000']);
    const port = Number((await until(() => /ready central 127\.0\.0\.1:(\d+)/.exec(central.out()), 10_000, 'central'))[1]);
    const sub = start(['sub', '--headless', '--host', '127.0.0.1', '--port', String(port), '--bind', '127.0.0.1', '--data', path.join(dir, 'sub'), '--secret-file', path.join(dir, 'central', 'secret')]);
    await until(() => /registered with central \S+ as sub-\d+/.test(sub.out()), 10_000, 'sub registered');
    const subPort = Number((await until(() => /ready sub 127\.0\.0\.1:(\d+)/.exec(sub.out()), 10_000, 'sub port'))[1]);

    const users = new Map<string, string>();
    const reg = await Conn.open(port);
    for (let i = 0; i < 31; i++) {
      const name = i === 0 ? 'normal' : `attacker${i}`;
      const r = await reg.request('auth.register', { user: name, password: `pw-${name}`, repeat: `pw-${name}` });
      if (r.error) throw new Error(`register ${name}: ${JSON.stringify(r.error)}`);
      users.set(name, (r.result as { token: string }).token);
    }
    reg.ws.close();
    const sessionConn = async (user: string): Promise<Conn> => {
      const c = await Conn.open(subPort);
      const r = await c.request('session.open', { token: users.get(user)! });
      if (r.error) throw new Error(`session.open ${user}: ${JSON.stringify(r.error)}`);
      return c;
    };

    // The normal client runs on its own thread, so the attackers' loops in this one cannot delay its clock.
    // (A process, not a thread: the attackers' loops here must not delay its clock. The token goes over IPC.)
    const normalClient = fork(fileURLToPath(import.meta.url), ['--normal-client'], { execArgv: ['--import', 'tsx'] });
    normalClient.send({ port, subPort, token: users.get('normal')! });
    await new Promise<void>((resolve) => normalClient.once('message', () => resolve()));
    const tell = (phase: 'attack' | 'done') => normalClient.send(phase);
    const report = new Promise<{ latencies: { baseline: number[]; attack: number[] }; failures: number }>((resolve) => normalClient.on('message', (m) => resolve(m as never)));

    const peak = { central: 0, sub: 0 };
    const sampler = setInterval(() => {
      peak.central = Math.max(peak.central, rssMB(central.child.pid!));
      peak.sub = Math.max(peak.sub, rssMB(sub.child.pid!));
    }, 100);

    await sleep(BASELINE_SECONDS * 1000);
    const baselinePeak = { ...peak };
    tell('attack');
    const endAt = performance.now() + SECONDS * 1000;
    const attackers: Promise<void>[] = [];
    const reopened = { count: 0, codes: new Map<number, number>() };
    /** Run `attack` on a fresh connection until the time is up, reopening it whenever it is closed. */
    const forever = (open: () => Promise<Conn>, attack: (c: Conn) => Promise<void>) =>
      attackers.push(
        (async () => {
          while (performance.now() < endAt) {
            let c: Conn;
            try {
              c = await open();
            } catch {
              await sleep(200);
              continue;
            }
            await attack(c).catch(() => {});
            // Only closes by the servers count, not our own at the end of the run.
            if (c.closed && c.closeCode !== undefined) {
              reopened.count += 1;
              reopened.codes.set(c.closeCode, (reopened.codes.get(c.closeCode) ?? 0) + 1);
            }
            c.ws.terminate();
          }
        })(),
      );
    const alive = (c: Conn) => !c.closed && performance.now() < endAt;

    for (let i = 0; i < 20 && runs('central-flood'); i++) {
      forever(() => Conn.open(port), async (c) => {
        c.stopReading();
        const frame = encodeHeader({ type: 'status.get', id: 1 });
        while (alive(c)) {
          if (c.ws.bufferedAmount < 8 * 1024 * 1024) for (let k = 0; k < 500; k++) c.ws.send(frame);
          await sleep(20);
        }
      });
    }
    for (let i = 1; i <= 10 && runs('sub-flood'); i++) {
      forever(() => sessionConn(`attacker${i}`), async (c) => {
        c.stopReading();
        while (alive(c)) {
          if (c.ws.bufferedAmount < 8 * 1024 * 1024) for (let k = 0; k < 500; k++) c.fire('users.list');
          await sleep(20);
        }
      });
    }
    // Chunks of the size central asks for, in bursts of 25 (100 MiB) whenever the socket has room:
    // larger frames are refused unread (1009), which the hostile tests cover.
    const chunk = crypto.randomBytes(UPLOAD_CHUNK_BYTES);
    for (let i = 11; i <= 20 && runs('chunks'); i++) {
      forever(() => sessionConn(`attacker${i}`), async (c) => {
        const begin = await c.request('upload.begin', { name: `junk-${i}.mkv`, size: 64 * 1024 * 1024, sha256: 'a'.repeat(64) });
        const uploadId = (begin.result as { uploadId?: string } | undefined)?.uploadId ?? 'f'.repeat(32);
        let offset = 0;
        while (alive(c)) {
          if (c.ws.bufferedAmount < 32 * 1024 * 1024) {
            for (let k = 0; k < 25; k++) {
              c.ws.send(encodeHeader({ type: 'upload.chunk', id: 1_000_000 + offset, uploadId, offset: offset * chunk.length }), { fin: false });
              c.ws.send(chunk, { fin: true });
              offset += 1;
            }
          }
          await sleep(50);
        }
      });
    }
    for (let i = 21; i <= 30 && runs('slow'); i++) {
      forever(() => sessionConn(`attacker${i}`), async (c) => {
        const s = c.socket();
        while (alive(c)) {
          for (let k = 0; k < 50; k++) c.fire('videos.list');
          s.pause();
          await sleep(900);
          s.resume();
          await sleep(20);
        }
      });
    }
    await Promise.all(attackers);
    tell('done');
    const { latencies, failures } = await report;
    normalClient.kill();
    clearInterval(sampler);

    const out = central.out();
    const suspected = (out.match(/missed a probe/g) ?? []).length;
    const dead = /declared dead/.test(out);
    const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil(0.99 * xs.length) - 1)] ?? NaN;
    console.log(`bench/abuse: central + 1 sub on loopback; ${BASELINE_SECONDS} s baseline, then 50 attacking sockets for ${SECONDS} s`);
    console.log(`normal client latency, baseline, ms    ${stats(latencies.baseline)}  p99 ${p99(latencies.baseline).toFixed(1)}`);
    console.log(`normal client latency, under attack, ms ${stats(latencies.attack)}  p99 ${p99(latencies.attack).toFixed(1)}   ratio p99 ${(p99(latencies.attack) / p99(latencies.baseline)).toFixed(2)}   target p99 ≤ 100`);
    console.log(`normal client requests that failed      ${failures}`);
    console.log(`peak RSS central, MB                    baseline ${baselinePeak.central.toFixed(0)}  under attack ${peak.central.toFixed(0)}   target ≤ 250`);
    console.log(`peak RSS sub, MB                        baseline ${baselinePeak.sub.toFixed(0)}  under attack ${peak.sub.toFixed(0)}   target ≤ 250`);
    console.log(`sub missed probes / declared dead       ${suspected} / ${dead ? 'yes' : 'no'}   target 0 / no`);
    const codes = [...reopened.codes].map(([code, n]) => `${code}×${n}`).join(' ');
    console.log(`attacker connections closed by servers  ${reopened.count}${codes ? `  (close codes ${codes})` : ''}`);
    const met = p99(latencies.attack) <= 100 && peak.central <= 250 && peak.sub <= 250 && !dead && suspected === 0 && failures === 0;
    console.log(`targets: ${met ? 'met' : 'NOT met'}`);
    process.exitCode = met ? 0 : 1;
  } finally {
    killAll();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--normal-client')) await normalClientThread();
else await main();
