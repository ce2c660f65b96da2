/**
 * bench/abuse's attackers, run in a process of their own (forked by bench/abuse.ts), so that their
 * loops can be given the lowest CPU priority: on the internet an attacker spends its own CPU, and on this
 * 2-core machine a generator that takes a whole core would otherwise measure the scheduler, not the
 * servers. What they sent is counted and reported, so a run shows the attack was not weakened.
 *
 *   20 anonymous sockets at central flooding status.get and never reading a reply;
 *   10 logged-in sockets at the sub flooding relayed users.list and never reading;
 *   10 logged-in sockets at the sub sending bursts of 25 upload.chunk frames of 1 MiB;
 *   10 logged-in slow readers at the sub, reading a few KB a second while asking for the catalogue.
 * Sockets the servers close are reopened, so the pressure lasts the whole run.
 */
import crypto from 'node:crypto';
import { Conn } from './abuse-conn.js';
import { sleep } from './bench-kit.js';
import { encodeHeader, UPLOAD_CHUNK_BYTES } from '../src/net/frame.js';

/** What the orchestrator tells the attacker process. */
export interface AttackPlan {
  port: number;
  subPort: number;
  /** attackerN → session token. */
  tokens: Record<string, string>;
  seconds: number;
  /** Attack kinds to run (all when undefined). */
  only: string | undefined;
  /** Bytes an attacker lets pile up in its own send queue before it waits (the flooders' pressure). */
  queueBytes: number;
}

/** What the attackers report when the time is up. */
export interface AttackReport {
  /** Connections the servers closed, by close code. */
  closedBy: Record<number, number>;
  /** Frames handed to the sockets, per kind (status.get, users.list, upload.chunk, videos.list). */
  frames: Record<string, number>;
  /** Upload chunk bytes handed to the sockets. */
  chunkBytes: number;
  connectionsOpened: number;
}

export async function attack(plan: AttackPlan): Promise<AttackReport> {
  const endAt = performance.now() + plan.seconds * 1000;
  const runs = (kind: string) => plan.only === undefined || plan.only === kind;
  const report: AttackReport = { closedBy: {}, frames: {}, chunkBytes: 0, connectionsOpened: 0 };
  const count = (kind: string, n: number) => (report.frames[kind] = (report.frames[kind] ?? 0) + n);
  const attackers: Promise<void>[] = [];
  const sessionConn = async (user: string): Promise<Conn> => {
    const c = await Conn.open(plan.subPort);
    const r = await c.request('session.open', { token: plan.tokens[user]! });
    if (r.error) throw new Error(`session.open ${user}: ${JSON.stringify(r.error)}`);
    return c;
  };
  /** Run `attack` on a fresh connection until the time is up, reopening it whenever it is closed. */
  const forever = (open: () => Promise<Conn>, body: (c: Conn) => Promise<void>) =>
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
          report.connectionsOpened += 1;
          await body(c).catch(() => {});
          // Only closes by the servers count, not our own at the end of the run.
          if (c.closed && c.closeCode !== undefined) report.closedBy[c.closeCode] = (report.closedBy[c.closeCode] ?? 0) + 1;
          c.ws.terminate();
        }
      })(),
    );
  const alive = (c: Conn) => !c.closed && performance.now() < endAt;

  for (let i = 0; i < 20 && runs('central-flood'); i++) {
    forever(() => Conn.open(plan.port), async (c) => {
      c.stopReading();
      const frame = encodeHeader({ type: 'status.get', id: 1 });
      while (alive(c)) {
        if (c.ws.bufferedAmount < plan.queueBytes) {
          for (let k = 0; k < 500; k++) c.ws.send(frame);
          count('status.get', 500);
        }
        await sleep(20);
      }
    });
  }
  for (let i = 1; i <= 10 && runs('sub-flood'); i++) {
    forever(() => sessionConn(`attacker${i}`), async (c) => {
      c.stopReading();
      while (alive(c)) {
        if (c.ws.bufferedAmount < plan.queueBytes) {
          for (let k = 0; k < 500; k++) c.fire('users.list');
          count('users.list', 500);
        }
        await sleep(20);
      }
    });
  }
  // Chunks of the size central asks for, in bursts of 25 whenever the socket has room: larger frames are
  // refused unread (1009), which the hostile tests cover.
  const chunk = crypto.randomBytes(UPLOAD_CHUNK_BYTES);
  for (let i = 11; i <= 20 && runs('chunks'); i++) {
    forever(() => sessionConn(`attacker${i}`), async (c) => {
      const begin = await c.request('upload.begin', { name: `junk-${i}.mkv`, size: 64 * 1024 * 1024, sha256: 'a'.repeat(64) });
      const uploadId = (begin.result as { uploadId?: string } | undefined)?.uploadId ?? 'f'.repeat(32);
      let offset = 0;
      while (alive(c)) {
        if (c.ws.bufferedAmount < 4 * plan.queueBytes) {
          for (let k = 0; k < 25; k++) {
            c.ws.send(encodeHeader({ type: 'upload.chunk', id: 1_000_000 + offset, uploadId, offset: offset * chunk.length }), { fin: false });
            c.ws.send(chunk, { fin: true });
            offset += 1;
          }
          count('upload.chunk', 25);
          report.chunkBytes += 25 * chunk.length;
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
        count('videos.list', 50);
        s.pause();
        await sleep(900);
        s.resume();
        await sleep(20);
      }
    });
  }
  await Promise.all(attackers);
  return report;
}

/** The forked process: wait for the plan, attack, report, leave. */
export async function attackerProcess(): Promise<void> {
  const plan = await new Promise<AttackPlan>((resolve) => process.once('message', (m) => resolve(m as AttackPlan)));
  const report = await attack(plan);
  process.send!(report);
  process.disconnect();
}
