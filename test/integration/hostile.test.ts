/**
 * The cluster under attack, with real processes: rogue subs, sockets that never read, floods of
 * chunks, idle sockets, forged log lines, registration and room floods, and password guessing from
 * another address. Each case asserts the refusal, the bound (VmRSS from /proc) and that other users
 * are still served.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { rawConnect, rawHello, rssMb, type RawPeer } from '../helpers/raw-peer.js';
import { secretFileOf, status, tempDir } from '../helpers/spawn-role.js';
import { waitFor } from '../helpers/wait-for.js';
import { makeClip } from '../helpers/make-clip.js';
import { encodeHeader, UPLOAD_CHUNK_BYTES } from '../../src/net/frame.js';

/** Register `user` over a raw socket to central (from `localAddress`); its token and sub. */
async function registerRaw(c: Cluster, user: string, localAddress?: string): Promise<{ token: string; subId: string; subAddress: string }> {
  const p = await rawHello(c.central.port, 'client', localAddress ? { localAddress } : {});
  const r = await p.request('auth.register', { user, password: `pw-${user}`, repeat: `pw-${user}` });
  p.ws.close();
  if (r.error) throw new Error(`register ${user}: ${r.error.code} ${r.error.message}`);
  return r.result as { token: string; subId: string; subAddress: string };
}

/** A raw client with an open session on its sub. */
async function sessionAt(subAddress: string, token: string): Promise<RawPeer> {
  const port = Number(subAddress.split(':').at(-1));
  const p = await rawHello(port, 'client');
  const r = await p.request('session.open', { token });
  if (r.error) throw new Error(`session.open: ${r.error.code} ${r.error.message}`);
  return p;
}

/** Whether a type is refused on this socket: the server closes it with 4001 (wrong direction). */
async function refusedBeforeRegistering(port: number, type: string, params: object): Promise<number> {
  const p = await rawHello(port, 'sub');
  p.send({ ...params, type, id: 99 });
  return p.closed;
}

describe('hostile peers', () => {
  it('a socket that says "I am a sub" can do nothing before it proves the secret, and is refused without it', async () => {
    const c = await startCluster({ subs: 1 });
    await registerRaw(c, 'dave');
    const cases: [string, object][] = [
      ['notify.list', { user: 'dave' }],
      ['room.control', { user: 'dave', roomId: 'r-00000001', action: 'play' }],
      ['upload.begin', { user: 'dave', name: 'x.mp4', size: 1, sha256: 'a'.repeat(64) }],
      ['replica.chunk', { videoId: 1, offset: 0, length: 1024 }],
      ['replica.list', {}],
      ['session.check', { token: 'x'.repeat(43) }],
    ];
    for (const [type, params] of cases) expect(await refusedBeforeRegistering(c.central.port, type, params), type).toBe(4001);
    const rogue = await rawHello(c.central.port, 'sub');
    const r = await rogue.request('sub.register', { secret: 'guess', port: 9, pid: 1 });
    expect(r.error?.code).toBe('BAD_SECRET');
    expect(await rogue.closed).toBe(4004);
    // The next user still goes to the real sub: the rogue never entered the registry.
    const erin = await registerRaw(c, 'erin');
    expect(erin.subId).toBe(c.subs[0]!.subId);
    expect((await status(c.central.port)).subs).toHaveLength(1);
  });

  it('a sub with the secret may act only for the users central assigned to it', async () => {
    const c = await startCluster({ subs: 1 });
    const dave = await registerRaw(c, 'dave');
    expect(dave.subId).toBe(c.subs[0]!.subId);
    const secret = fs.readFileSync(secretFileOf(c.central), 'utf8').trim();
    const sub = await rawHello(c.central.port, 'sub');
    sub.ws.on('message', (d: Buffer) => {
      // Answer probes, so that central keeps this sub alive for the length of the test.
      const h = JSON.parse(d.subarray(4, 4 + d.readUInt32BE(0)).toString()) as { type: string; id: number };
      if (h.type === 'sub.probe') sub.send({ type: 'reply', replyTo: h.id, result: { clients: 0, replicas: [], transfers: [] } });
    });
    const reg = await sub.request('sub.register', { secret, port: 9, pid: 1 });
    expect(reg.error).toBeUndefined();
    for (const [type, params] of [
      ['notify.list', {}],
      ['notify.ack', { upToId: 100 }],
      ['room.create', { videoId: 1, invite: [] }],
      ['upload.begin', { name: 'evil.mp4', size: 10, sha256: 'a'.repeat(64) }],
      ['rooms.list', {}],
    ] as const) {
      const r = await sub.request(type, { ...params, user: 'dave' });
      expect(r.error?.code, type).toBe('NOT_ASSIGNED');
    }
    // A relayed request must name the user it acts for.
    expect((await sub.request('notify.list', {})).error?.code).toBe('BAD_MESSAGE');
    await c.central.waitFor(/refused a request from sub-\d+ acting for a user it does not serve/);
    expect(c.central.output()).not.toContain(dave.token);
  });

  it('a client that never reads its replies cannot grow central, and others are still served at once', async () => {
    const c = await startCluster({ subs: 1 });
    await registerRaw(c, 'ann');
    const pid = c.central.child.pid!;
    const before = rssMb(pid);
    const attacker = await rawHello(c.central.port, 'client');
    // Stop reading: replies pile up in central's send buffer unless central stops reading too.
    (attacker.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const frame = Buffer.concat([encodeHeader({ type: 'status.get', id: 1 })]);
    let peak = before;
    const deadline = Date.now() + 8000;
    while (Date.now() < deadline) {
      for (let i = 0; i < 2000; i++) attacker.ws.send(frame);
      peak = Math.max(peak, rssMb(pid));
      await new Promise((r) => setTimeout(r, 20));
      // Keep our own buffer from growing without bound: central must have stopped reading by now.
      if (attacker.ws.bufferedAmount > 64 * 1024 * 1024) break;
    }
    const t0 = performance.now();
    expect((await status(c.central.port)).subs).toHaveLength(1);
    const ms = performance.now() - t0;
    peak = Math.max(peak, rssMb(pid));
    expect(peak - before, `central grew from ${before.toFixed(0)} MB to ${peak.toFixed(0)} MB`).toBeLessThan(80);
    expect(ms).toBeLessThan(3000);
  });

  it('a burst of oversized upload chunks neither bloats the sub nor costs it its link to central', async () => {
    const c = await startCluster({ subs: 1, heartbeat: 0.5 });
    const ann = await registerRaw(c, 'ann');
    const bob = await registerRaw(c, 'bob');
    const p = await sessionAt(ann.subAddress, ann.token);
    const size = 40 * UPLOAD_CHUNK_BYTES;
    const begin = await p.request('upload.begin', { name: 'burst.mkv', size, sha256: 'a'.repeat(64) });
    expect(begin.error).toBeUndefined();
    const uploadId = (begin.result as { uploadId: string }).uploadId;
    const chunk = crypto.randomBytes(UPLOAD_CHUNK_BYTES);
    const subPid = c.subs[0]!.child.pid!;
    const before = rssMb(subPid);
    for (let i = 0; i < 40; i++) {
      p.ws.send(encodeHeader({ type: 'upload.chunk', id: 1000 + i, uploadId, offset: i * chunk.length }), { fin: false });
      p.ws.send(chunk, { fin: true });
    }
    let peak = before;
    const until = Date.now() + 6000;
    while (Date.now() < until && !p.isClosed()) {
      peak = Math.max(peak, rssMb(subPid));
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(peak, `sub peaked at ${peak.toFixed(0)} MB (from ${before.toFixed(0)} MB)`).toBeLessThan(250);
    // The chunks went over the sub's bulk link, apart from probes and everyone's small requests.
    expect(c.central.output()).toMatch(new RegExp(`${c.subs[0]!.subId} attached its bulk link`));
    // Bob on the same sub is served, and central never lost the sub.
    const b = await sessionAt(bob.subAddress, bob.token);
    expect((await b.request('users.list')).error).toBeUndefined();
    expect(c.central.output()).not.toMatch(/declared dead|missed a probe/);
  });

  it('a frame larger than one upload chunk is refused unread; a message flood is closed; others are served', async () => {
    const c = await startCluster({ subs: 1 });
    const ann = await registerRaw(c, 'ann');
    const bob = await registerRaw(c, 'bob');
    const big = await sessionAt(ann.subAddress, ann.token);
    big.ws.send(Buffer.alloc(8 * 1024 * 1024));
    expect(await big.closed).toBe(1009);
    const flood = await sessionAt(ann.subAddress, ann.token);
    for (let i = 0; i < 2000; i++) flood.send({ type: 'time.sync', id: i });
    expect(await flood.closed).toBe(4018);
    await c.subs[0]!.waitFor(/closing connection from client ann@127\.0\.0\.1:\d+: more than \d+ messages a second/);
    const b = await sessionAt(bob.subAddress, bob.token);
    expect((await b.request('users.list')).error).toBeUndefined();
  });

  it('a storm of new connections from one address is refused before the handshake; another address is not', async () => {
    const c = await startCluster({ subs: 1 });
    const outcomes = await Promise.all(Array.from({ length: 80 }, () => rawConnect(c.central.port).then(() => 'open', () => 'refused')));
    expect(outcomes.filter((o) => o === 'refused').length).toBeGreaterThan(20);
    await c.central.waitFor(/refusing new connections from 127\.0\.0\.1: more than 20 a second/);
    const other = await rawHello(c.central.port, 'client', { localAddress: '127.0.0.3' });
    expect((await other.request('status.get')).error).toBeUndefined();
  });

  it('a socket that never says hello (or never opens a session) is closed after the ready timeout', async () => {
    const c = await startCluster({ subs: 1 });
    const t0 = Date.now();
    const idle = await rawConnect(c.central.port);
    const idleAtSub = await rawHello(c.subs[0]!.port, 'client');
    expect(await Promise.all([idle.closed, idleAtSub.closed])).toEqual([4016, 4016]);
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it('a forged header cannot write a line of its own into the log', async () => {
    const c = await startCluster({ subs: 1 });
    const p = await rawConnect(c.central.port);
    const json = Buffer.from('{"type":"hello\n[ERROR] [00:00:00] central: forged line\u001b[2J", "id": ');
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(json.length);
    p.ws.send(Buffer.concat([prefix, json]));
    await p.closed;
    await c.central.waitFor(/bad frame: header is not valid JSON/);
    const lines = c.central.output().split('\n');
    expect(lines.some((l) => l.startsWith('[ERROR]') && l.includes('forged'))).toBe(false);
    expect(c.central.output()).not.toContain('\u001b[2J');
  });

  it('registrations and rooms are rate-limited per address and per user; another address is not affected', async () => {
    const c = await startCluster({ subs: 1 });
    const p = await rawHello(c.central.port, 'client');
    let limited: string | undefined;
    for (let i = 0; i < 25 && !limited; i++) {
      const r = await p.request('auth.register', { user: `bot${i}`, password: 'pw', repeat: 'pw' });
      if (r.error) limited = `${i}:${r.error.code}:${r.error.message}`;
    }
    expect(limited).toMatch(/^20:RATE_LIMITED:too many registrations from your address: try again in \d+ s$/);
    // Another address (127.0.0.2 is loopback too) registers at once.
    const other = await registerRaw(c, 'neighbour', '127.0.0.2');
    expect(other.token).toBeTruthy();

    const clip = makeClip(tempDir(), { seconds: 1, name: 'tiny.mkv' });
    expect((await c.cli('neighbour', ['login', 'neighbour', '--password-stdin'], 'pw-neighbour\n')).code).toBe(0);
    const up = await c.cli('neighbour', ['upload', clip]);
    expect(up.code, up.output).toBe(0);
    const s = await sessionAt(other.subAddress, other.token);
    const videos = (await s.request('videos.list')).result as { videos: { id: number }[] };
    const videoId = videos.videos[0]!.id;
    let roomLimited: string | undefined;
    for (let i = 0; i < 30 && !roomLimited; i++) {
      const r = await s.request('room.create', { videoId, invite: [] });
      if (r.error) roomLimited = `${i}:${r.error.code}`;
    }
    expect(roomLimited).toBe('20:RATE_LIMITED');
    // Invitations count per invited member: 200 at once, so the third room of 100 is refused.
    const inviter = await registerRaw(c, 'inviter', '127.0.0.2');
    const si = await sessionAt(inviter.subAddress, inviter.token);
    const outcomes: (string | undefined)[] = [];
    for (let i = 0; i < 3; i++) outcomes.push((await si.request('room.create', { videoId, invite: Array.from({ length: 100 }, (_, k) => `bot${k % 20}`) })).error?.code);
    expect(outcomes).toEqual([undefined, undefined, 'RATE_LIMITED']);
  });

  it("a stranger's wrong passwords from another address never delay the owner's login", async () => {
    const c = await startCluster({ subs: 1 });
    await registerRaw(c, 'carol');
    const stranger = await rawHello(c.central.port, 'client', { localAddress: '127.0.0.2' });
    for (let i = 0; i < 4; i++) {
      const r = await stranger.request('auth.login', { user: 'carol', password: 'guess' });
      expect(r.error?.code).toMatch(/WRONG_PASSWORD|RATE_LIMITED/);
    }
    expect((await stranger.request('auth.login', { user: 'carol', password: 'pw-carol' })).error?.code).toBe('RATE_LIMITED');
    const owner = await rawHello(c.central.port, 'client');
    const t0 = performance.now();
    const r = await owner.request('auth.login', { user: 'carol', password: 'pw-carol' });
    expect(r.error).toBeUndefined();
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('central keeps its database and secret readable by its own user only', async () => {
    const c = await startCluster({ subs: 1 });
    await registerRaw(c, 'ann');
    for (const f of ['central.sqlite', 'secret']) expect(fs.statSync(path.join(c.central.dataDir, f)).mode & 0o777, f).toBe(0o600);
  });
});

describe('sessions with a lifetime', () => {
  it('caps sessions per user, lists and ends them, and a password change ends all the others', async () => {
    const c = await startCluster({ subs: 1 });
    const first = await registerRaw(c, 'ivy');
    const login = async () => {
      const p = await rawHello(c.central.port, 'client');
      const r = await p.request('auth.login', { user: 'ivy', password: 'pw-ivy' });
      p.ws.close();
      return r.result as { token: string };
    };
    for (let i = 0; i < 9; i++) await login();
    const p = await rawHello(c.subs[0]!.port, 'client');
    expect((await p.request('session.open', { token: first.token })).error).toBeUndefined();
    // The eleventh session pushes out the least recently used, and its connection is closed.
    await login();
    await login();
    expect(await p.closed).toBe(4013);
    const again = await rawHello(c.subs[0]!.port, 'client');
    expect((await again.request('session.open', { token: first.token })).error?.code).toBe('BAD_TOKEN');

    expect((await c.cli('ivy', ['login', 'ivy', '--password-stdin'], 'pw-ivy\n')).code).toBe(0);
    const listed = await c.cli('ivy', ['sessions', '--json']);
    const sessions = JSON.parse(listed.stdout) as { id: string; current: boolean; source: string }[];
    expect(sessions).toHaveLength(10);
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    expect(sessions[0]!.source).toBe('127.0.0.1');
    expect(listed.stdout).not.toMatch(/token/);
    const victim = sessions.find((s) => !s.current)!;
    const ended = await c.cli('ivy', ['sessions', '--end', victim.id.slice(0, 6)]);
    expect(ended.stdout, ended.output).toMatch(/ended 1 session/);
    const wrong = await c.cli('ivy', ['passwd', '--password-stdin'], 'nope\nnew-pw\nnew-pw\n');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/wrong current password/);
    const changed = await c.cli('ivy', ['passwd', '--password-stdin'], 'pw-ivy\nnew-pw\nnew-pw\n');
    expect(changed.stdout).toMatch(/password changed; 8 other sessions ended/);
    expect(JSON.parse((await c.cli('ivy', ['sessions', '--json'])).stdout)).toHaveLength(1);
    expect((await c.cli('ivy', ['whoami'])).code).toBe(0);
    const old = await rawHello(c.central.port, 'client');
    expect((await old.request('auth.login', { user: 'ivy', password: 'pw-ivy' })).error?.code).toBe('WRONG_PASSWORD');
    expect((await old.request('auth.login', { user: 'ivy', password: 'new-pw' })).error).toBeUndefined();
  });

  it('a session unused for longer than --session-lifetime ends on every sub; one in use lives on', async () => {
    const c = await startCluster({ subs: 1, centralArgs: ['--session-lifetime', '3s'] });
    const idle = await registerRaw(c, 'kim');
    const busy = await registerRaw(c, 'lee');
    const open = await sessionAt(idle.subAddress, idle.token);
    const central = await rawHello(c.central.port, 'client');
    // lee keeps using the session (each use slides its expiry); kim does nothing.
    const t0 = Date.now();
    while (Date.now() - t0 < 5000) {
      expect((await central.request('auth.locate', { token: busy.token })).error).toBeUndefined();
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(open.isClosed()).toBe(true);
    expect(await open.closed).toBe(4013);
    expect((await central.request('auth.locate', { token: idle.token })).error?.code).toBe('BAD_TOKEN');
    const again = await rawHello(c.subs[0]!.port, 'client');
    expect((await again.request('session.open', { token: idle.token })).error?.code).toBe('BAD_TOKEN');
    expect((await again.request('session.open', { token: busy.token })).error).toBeUndefined();
  });
});

describe('streaming only to the users of this sub', () => {
  it("a token works on the user's own sub only", async () => {
    const c = await startCluster({ subs: 2 });
    const a = await registerRaw(c, 'amy');
    const b = await registerRaw(c, 'ben');
    expect(a.subId).not.toBe(b.subId);
    const clip = makeClip(tempDir(), { seconds: 1, name: 'clip.mkv' });
    expect((await c.cli('amy', ['login', 'amy', '--password-stdin'], 'pw-amy\n')).code).toBe(0);
    expect((await c.cli('amy', ['upload', clip])).code).toBe(0);
    const get = (addr: string, token: string) => fetch(`http://${addr}/videos/1`, { headers: { authorization: `Bearer ${token}`, range: 'bytes=0-99' } });
    await waitFor(async () => (await get(a.subAddress, a.token)).status === 206 && (await get(b.subAddress, b.token)).status === 206, { timeoutMs: 15_000, what: 'both replicas' });
    expect((await get(b.subAddress, a.token)).status).toBe(401);
    expect((await get(a.subAddress, b.token)).status).toBe(401);
  });
});
