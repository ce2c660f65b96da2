/**
 * The room every bench/sync scenario starts from: a 10-minute 25 fps clip, central, subs (each
 * optionally behind a userspace proxy that delays or caps its link to the clients), three members
 * m1 (admin), m2, m3 registered in that order (so with three subs each has its own), and each
 * member's `watchparty watch --headless` with an mpv IPC socket the bench reads as an outside probe.
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { MpvIpc } from '../src/player/mpv-ipc.js';
import { dial } from '../src/net/dial.js';
import { ClientAcceptsFromServer } from '../src/net/directions.js';
import type { Peer } from '../src/net/peer.js';
import { createLogger } from '../src/core/log.js';
import { startDelayProxy, type DelayProxy } from './delay-proxy.js';
import { CLI, start, until } from './bench-kit.js';

export const FRAME_MS = 40;
const quiet = createLogger('bench', () => {}, 'error');

export interface Member {
  user: string;
  sock: string;
  ipc?: MpvIpc;
  proc?: ReturnType<typeof start>;
}

/** How clients reach one sub: directly, or through a proxy on `host` (127.0.0.x) that delays or caps. */
export interface SubLink {
  host?: string;
  delayMs?: number;
  jitterMs?: number;
  /** Client-bound bytes/s, or a function of the clip's mean rate (bytes/s). */
  downBps?: number | ((clipBps: number) => number);
  /** Media tasks this sub runs (default 0: no renditions, nothing encoding in the background). */
  jobs?: number;
}

/** How the members watch: `quality` for every `watch` (default source), and whether to wait for the renditions first. */
export interface RoomOptions {
  quality?: string;
  renditions?: boolean;
}

export interface SyncRoom {
  roomId: string;
  members: Member[];
  /** The clip's mean rate (bytes/s). */
  clipBps: number;
  /** m1's own session on its sub, to send controls from this process at a known instant. */
  admin: Peer;
  openMember(m: Member): Promise<void>;
  /** room.control from `admin`; resolves with the instant it was sent. */
  control(action: 'play' | 'pause' | 'seek', positionMs?: number): Promise<number>;
  close(): Promise<void>;
}

export async function openSyncRoom(dir: string, subs: SubLink[], roomOpts: RoomOptions = {}): Promise<SyncRoom> {
  const proxies: DelayProxy[] = [];
  const clip = path.join(dir, 'movie.mkv');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=8000', '-t', '600', '-c:v', 'rawvideo', '-pix_fmt', 'yuv420p', '-c:a', 'pcm_s16le', '-shortest', clip]);
  const clipBps = fs.statSync(clip).size / 600;
  const central = start(['central', '--headless', '--bind', '127.0.0.1', '--port', '0', '--data', path.join(dir, 'central'), '--heartbeat', '1']);
  const port = Number((await until(() => /ready central 127\.0\.0\.1:(\d+)/.exec(central.out()), 10_000, 'central'))[1]);
  for (const [i, link] of subs.entries()) {
    const args = ['sub', '--headless', '--host', '127.0.0.1', '--port', String(port), '--bind', '127.0.0.1', '--data', path.join(dir, `sub${i}`), '--secret-file', path.join(dir, 'central', 'secret'), '--jobs', String(link.jobs ?? 0)];
    if (link.host) args.push('--advertise', link.host);
    const s = start(args);
    const subPort = Number((await until(() => /ready sub 127\.0\.0\.1:(\d+)/.exec(s.out()), 10_000, 'sub'))[1]);
    if (link.host) {
      const downBps = typeof link.downBps === 'function' ? link.downBps(clipBps) : link.downBps;
      proxies.push(await startDelayProxy({ listenHost: link.host, targetHost: '127.0.0.1', port: subPort, delayMs: link.delayMs ?? 0, jitterMs: link.jitterMs ?? 0, ...(downBps ? { downBps } : {}) }));
    }
    await until(() => /registered with central/.test(s.out()), 10_000, 'sub registered');
  }
  const env = { WATCHPARTY_HOME: path.join(dir, 'home') };
  const target = ['--host', '127.0.0.1', '--port', String(port)];
  // Asynchronous on purpose: the proxies live in this process and must keep forwarding.
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
  if (new Set(subsOf).size < Math.min(subs.length, users.length)) throw new Error(`members are not spread over the subs: ${subsOf.join(', ')}`);
  await cli(['upload', clip, '--profile', 'm1']);
  await until(async () => JSON.parse(await cli(['videos', '--json', '--profile', 'm1']))[0]?.replicas === subs.length, 60_000, 'replicas', 200);
  if (roomOpts.renditions) {
    await until(async () => {
      const [v] = JSON.parse(await cli(['videos', '--json', '--profile', 'm1'])) as { processing: { state: string } | null; renditions: { replicas: number }[] }[];
      return v?.processing?.state === 'done' && v.renditions.length > 0 && v.renditions.every((r) => r.replicas === subs.length);
    }, 600_000, 'renditions on every sub', 1000);
  }
  const roomId = JSON.parse(await cli(['room', 'create', 'movie.mkv', '--invite', 'm2,m3', '--json', '--profile', 'm1'])).id as string;

  const members: Member[] = users.map((u) => ({ user: u, sock: path.join(dir, `${u}.sock`) }));
  const openMember = async (m: Member) => {
    m.proc = start(['watch', roomId, '--headless', '--mpv-ipc', m.sock, '--profile', m.user, '--quality', roomOpts.quality ?? 'source', ...target], env);
    m.ipc = await MpvIpc.connect(m.sock, 15_000);
  };
  for (const m of members) await openMember(m);
  const profile = JSON.parse(fs.readFileSync(path.join(dir, 'home', 'profiles', 'm1.json'), 'utf8')) as { token: string; subAddress: string };
  const { peer: admin } = await dial({ address: profile.subAddress, name: 'sub', role: 'client', accepts: ClientAcceptsFromServer, log: quiet });
  await admin.request('session.open', { token: profile.token });
  return {
    roomId,
    members,
    clipBps,
    admin,
    openMember,
    control: async (action, positionMs) => {
      const t = performance.now();
      await admin.request('room.control', { roomId, action, ...(positionMs !== undefined ? { positionMs } : {}) });
      return t;
    },
    close: async () => {
      admin.close(1000, 'done');
      for (const m of members) m.ipc?.close();
      for (const p of proxies) await p.close();
    },
  };
}

/** One reading of every member's position, moved to a common instant (ms, on performance.now()). */
export async function readAll(members: Member[], prop: 'audio-pts' | 'playback-time'): Promise<{ at: number; pos: number[]; paused: boolean[]; stalled: boolean[] }> {
  const raw = await Promise.all(
    members.map(async (m) => {
      // The position is stamped at the midpoint of its own round trip: the two flags asked alongside it
      // answer later, and stamping at the end of all three made every reading ~2 ms noisier.
      const t0 = performance.now();
      let t1 = t0;
      const [p, paused, stalled] = await Promise.all([
        m.ipc!
          .getProperty<number | null>(prop)
          .catch(() => null)
          .finally(() => (t1 = performance.now())),
        m.ipc!.getProperty<boolean>('pause').catch(() => true),
        m.ipc!.getProperty<boolean>('paused-for-cache').catch(() => false),
      ]);
      return { stamp: (t0 + t1) / 2, p, paused, stalled };
    }),
  );
  const at = Math.max(...raw.map((r) => r.stamp));
  const moving = (r: (typeof raw)[number]) => !r.paused && !r.stalled;
  return { at, pos: raw.map((r) => (r.p === null ? NaN : r.p * 1000 + (moving(r) ? at - r.stamp : 0))), paused: raw.map((r) => r.paused), stalled: raw.map((r) => r.stalled) };
}

export const spread = (xs: number[]) => Math.max(...xs) - Math.min(...xs);
