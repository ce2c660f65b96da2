/**
 * bench/chat: talking at scale, with real central and subs on loopback and protocol-level members.
 *
 * 1. Room chat: a room of 50 members spread over 3 subs (each member a real client Peer on its own sub,
 *    no mpv). Members take turns writing one line every 50 ms; the latency is from `chat.send` leaving the
 *    writer to `room.chat` arriving at every member (the writer included), with each member's order
 *    checked. Baseline, in the same run and paced the same: the round trip of a relayed request
 *    (`chat.history`, client → sub → central → sub → client), the hops a line takes without the fan-out.
 *    Target p99 ≤ 50 ms.
 * 2. Direct messages: 10,000 messages from online members to 20 offline users (registered with their
 *    own device profile, then gone); central is `kill -9`ed and restarted on the same data and port; each
 *    recipient's device then runs `watchparty inbox --json` (the real client), twice. Counts what the
 *    devices showed: delivered, duplicates (an id shown twice, also across the two runs), lost.
 *    Target 10,000 / 0 / 0.
 *
 *   node --import tsx bench/chat.ts [--members 50] [--subs 3] [--lines 200] [--pace-ms 50] [--dms 10000] [--recipients 20]
 *   (--pace-ms 0: every line at once, a burst of LINES lines from 50 writers)
 *
 * Central runs with --rate-scale 1000: every client is on 127.0.0.1, and the per-user quotas (chat
 * 10 lines at once then one a second, messages 20 at once then one every 2 s) would otherwise make the bench measure the rate limiter.
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dial } from '../src/net/dial.js';
import { ClientAcceptsFromServer } from '../src/net/directions.js';
import type { Peer } from '../src/net/peer.js';
import type { EventBody } from '../src/net/messages.js';
import { createLogger } from '../src/core/log.js';
import { CLI, deadline, killAll, numberArg, sleep, start, stats, until } from './bench-kit.js';
import { Conn } from './abuse-conn.js';

const MEMBERS = numberArg('members', 50);
const SUBS = numberArg('subs', 3);
const LINES = numberArg('lines', 200);
const DMS = numberArg('dms', 10_000);
const RECIPIENTS = numberArg('recipients', 20);
const PACE_MS = numberArg('pace-ms', 50);
deadline('bench/chat', 20 * 60_000);
const quiet = createLogger('bench', () => {}, 'error');

interface Member {
  user: string;
  peer: Peer;
  /** Line number (from its text) → arrival instant. */
  got: Map<number, number>;
  seqs: number[];
}

type Cli = (args: string[], input?: string) => Promise<string>;

function cliFor(port: number, home: string): Cli {
  return (args, input) =>
    new Promise<string>((resolve, reject) => {
      const child = execFile(process.execPath, [CLI, ...args, '--host', '127.0.0.1', '--port', String(port)], { env: { ...process.env, WATCHPARTY_HOME: home, CI: 'true' }, encoding: 'utf8', timeout: 300_000, maxBuffer: 64 * 2 ** 20 }, (err, stdout, stderr) =>
        err ? reject(new Error(`${args[0]} failed: ${stderr}`)) : resolve(stdout),
      );
      child.stdin!.end(input ?? '');
    });
}

async function openMember(user: string, placement: { subAddress: string; subFingerprint?: string }, token: string): Promise<Member> {
  const { peer } = await dial({ address: placement.subAddress, name: 'sub', role: 'client', accepts: ClientAcceptsFromServer, log: quiet, ...(placement.subFingerprint ? { fingerprint: placement.subFingerprint } : {}) });
  await peer.request('session.open', { token });
  const m: Member = { user, peer, got: new Map(), seqs: [] };
  peer.on('room.chat', (body: EventBody<'room.chat'>) => {
    const now = performance.now();
    const n = /^line (\d+)$/.exec(body.line.text);
    if (n) m.got.set(Number(n[1]), now);
    m.seqs.push(body.line.seq);
  });
  return m;
}

const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil(0.99 * xs.length) - 1)] ?? NaN;

/** Part 1: chat latency in a room of MEMBERS over SUBS subs, against a relayed round trip. */
async function chatRoom(port: number, cli: Cli, dir: string): Promise<{ met: boolean; members: Member[] }> {
  const clip = path.join(dir, 'clip.mkv');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=25', '-t', '2', '-c:v', 'rawvideo', '-pix_fmt', 'yuv420p', clip]);
  await cli(['register', 'm00', '--password-stdin', '--profile', 'm00'], 'pw-m00\n');
  await cli(['upload', clip, '--profile', 'm00']);
  const reg = await Conn.open(port);
  const placements = new Map<string, { subAddress: string; subFingerprint?: string; subId: string; token: string }>();
  const profile = JSON.parse(fs.readFileSync(path.join(dir, 'home', 'profiles', 'm00.json'), 'utf8')) as { token: string; subAddress: string; subFingerprint?: string; subId?: string };
  placements.set('m00', { subAddress: profile.subAddress, subFingerprint: profile.subFingerprint, subId: profile.subId ?? '?', token: profile.token });
  for (let i = 1; i < MEMBERS; i++) {
    const user = `m${String(i).padStart(2, '0')}`;
    const r = await reg.request('auth.register', { user, password: `pw-${user}`, repeat: `pw-${user}` });
    if (r.error) throw new Error(`register ${user}: ${JSON.stringify(r.error)}`);
    placements.set(user, r.result as never);
  }
  reg.ws.close();
  const members: Member[] = [];
  for (const [user, p] of placements) members.push(await openMember(user, p, p.token));
  const admin = members[0]!;
  const { videos } = await until(async () => {
    const r = await admin.peer.request('videos.list', {});
    return r.videos.length > 0 && r;
  }, 30_000, 'the clip in the catalogue', 100);
  const { room } = await admin.peer.request('room.create', { videoId: videos[0]!.id, invite: members.slice(1).map((m) => m.user) });
  for (const m of members.slice(1)) await m.peer.request('room.join', { roomId: room.id });
  const perSub = new Map<string, number>();
  for (const p of placements.values()) perSub.set(p.subId, (perSub.get(p.subId) ?? 0) + 1);

  const baseline: number[] = [];
  for (let i = 0; i < LINES; i++) {
    const t0 = performance.now();
    await members[i % members.length]!.peer.request('chat.history', { roomId: room.id, limit: 1 });
    baseline.push(performance.now() - t0);
    await sleep(Math.max(0, PACE_MS - (performance.now() - t0)));
  }
  const sentAt: number[] = [];
  const sends: Promise<unknown>[] = [];
  for (let i = 0; i < LINES; i++) {
    const t0 = performance.now();
    sentAt[i] = t0;
    sends.push(members[i % members.length]!.peer.request('chat.send', { roomId: room.id, text: `line ${i}` }));
    await sleep(Math.max(0, PACE_MS - (performance.now() - t0)));
  }
  await Promise.all(sends);
  await until(() => members.every((m) => m.got.size >= LINES), 10_000, 'every line at every member').catch(() => undefined);
  const latency: number[] = [];
  let missing = 0;
  for (const m of members) {
    for (let i = 0; i < LINES; i++) {
      const at = m.got.get(i);
      if (at === undefined) missing += 1;
      else latency.push(at - sentAt[i]!);
    }
  }
  const outOfOrder = members.filter((m) => m.seqs.some((s, k) => k > 0 && s <= m.seqs[k - 1]!)).length;
  console.log(`bench/chat: central + ${SUBS} subs on loopback; a room of ${members.length} members (per sub: ${[...perSub.values()].join(' / ')}); ${LINES} lines, one every ${PACE_MS} ms, writers in turn`);
  console.log(`relayed round trip (baseline), ms       ${stats(baseline)}  p99 ${p99(baseline).toFixed(1)}`);
  console.log(`chat send → every member's receipt, ms  ${stats(latency)}  p99 ${p99(latency).toFixed(1)}   ratio p99 ${(p99(latency) / p99(baseline)).toFixed(2)}   target p99 ≤ 50`);
  console.log(`lines missing / members out of order    ${missing} / ${outOfOrder}   target 0 / 0`);
  return { met: p99(latency) <= 50 && missing === 0 && outOfOrder === 0, members };
}

/** Part 2: DMS messages to RECIPIENTS offline users, a central kill -9 and restart, then each device's inbox. */
async function offlineMessages(central: { restart: () => Promise<void> }, cli: Cli, members: Member[]): Promise<boolean> {
  const recipients = Array.from({ length: RECIPIENTS }, (_, i) => `r${String(i).padStart(2, '0')}`);
  for (const r of recipients) await cli(['register', r, '--password-stdin', '--profile', r], `pw-${r}\n`);
  const senders = members.slice(1, 11);
  const ids = new Set<number>();
  let failed = 0;
  const t0 = performance.now();
  await Promise.all(
    senders.map(async (s, k) => {
      for (let n = k; n < DMS; n += senders.length * 20) {
        const batch = [];
        for (let j = n; j < Math.min(DMS, n + senders.length * 20); j += senders.length) {
          batch.push(
            s.peer.request('msg.send', { to: recipients[j % recipients.length]!, text: `dm ${j}` }).then(
              (r) => void ids.add(r.message.id),
              () => void (failed += 1),
            ),
          );
        }
        await Promise.all(batch);
      }
    }),
  );
  const sendSeconds = (performance.now() - t0) / 1000;
  for (const m of members) m.peer.close(1000, 'bench done');
  await central.restart();

  const shown = new Map<number, number>();
  let lines = 0;
  const t1 = performance.now();
  for (let run = 0; run < 2; run++) {
    await Promise.all(
      [0, 1, 2, 3].map(async (lane) => {
        for (let i = lane; i < recipients.length; i += 4) {
          const out = await cli(['inbox', '--json', '--profile', recipients[i]!]);
          for (const line of out.split('\n').filter(Boolean)) {
            const m = JSON.parse(line) as { id: number };
            lines += 1;
            shown.set(m.id, (shown.get(m.id) ?? 0) + 1);
          }
        }
      }),
    );
  }
  const deliverSeconds = (performance.now() - t1) / 1000;
  const delivered = [...ids].filter((id) => shown.has(id)).length;
  const duplicates = lines - shown.size;
  const lost = ids.size - delivered;
  console.log(`direct messages: ${DMS} to ${RECIPIENTS} offline users from ${senders.length} senders on ${SUBS} subs, stored in ${sendSeconds.toFixed(1)} s (${failed} failed); central kill -9 and restart; each device's inbox run twice (${deliverSeconds.toFixed(1)} s)`);
  console.log(`delivered / duplicates / lost           ${delivered} / ${duplicates} / ${lost}   target ${DMS} / 0 / 0`);
  return failed === 0 && delivered === DMS && duplicates === 0 && lost === 0;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wp-chat-'));
  try {
    const centralArgs = (port: number) => ['central', '--headless', '--bind', '127.0.0.1', '--port', String(port), '--data', path.join(dir, 'central'), '--heartbeat', '1', '--rate-scale', '1000'];
    let central = start(centralArgs(0));
    const port = Number((await until(() => /ready central 127\.0\.0\.1:(\d+)/.exec(central.out()), 10_000, 'central'))[1]);
    const subs: ReturnType<typeof start>[] = [];
    for (let i = 0; i < SUBS; i++) {
      const s = start(['sub', '--headless', '--host', '127.0.0.1', '--port', String(port), '--bind', '127.0.0.1', '--data', path.join(dir, `sub${i}`), '--secret-file', path.join(dir, 'central', 'secret'), '--jobs', '0']);
      await until(() => /registered with central/.test(s.out()), 10_000, 'sub registered');
      subs.push(s);
    }
    const cli = cliFor(port, path.join(dir, 'home'));
    const chat = await chatRoom(port, cli, dir);
    const restart = async () => {
      central.child.kill('SIGKILL');
      await new Promise((r) => central.child.once('exit', r));
      const before = subs.map((s) => (s.out().match(/registered with central/g) ?? []).length);
      central = start(centralArgs(port));
      await until(() => /ready central/.test(central.out()), 15_000, 'central back');
      await until(() => subs.every((s, i) => (s.out().match(/registered with central/g) ?? []).length > before[i]!), 30_000, 'every sub back with central', 50);
    };
    const dms = await offlineMessages({ restart }, cli, chat.members);
    const met = chat.met && dms;
    console.log(`targets: ${met ? 'met' : 'NOT met'}`);
    process.exitCode = met ? 0 : 1;
  } finally {
    killAll();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
