/**
 * Two centrals on one PostgreSQL (separate --data folders, as on two machines), two real subs, and two
 * viewers with headless mpv in a playing room. The leader is killed (kill -9) or frozen (SIGSTOP): the
 * standby must lead within 3 s (heartbeat 1), the subs re-register with it, the viewers play on without
 * logging in again, every control the admin was told succeeded is kept, and the room's seq never goes
 * back. A frozen leader that wakes up must step down without writing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileScope, run, runToEnd, secretFileOf, startCentral, startSub, tempDir, type Server } from '../helpers/spawn-role.js';
import { makeClip } from '../helpers/make-clip.js';
import { freshDatabase, startStores, stopStores } from '../helpers/stores.js';
import { waitFor } from '../helpers/wait-for.js';
import { lastStatus as last, statusLines } from '../helpers/watch-status.js';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** A short H.264 clip the rendition ladder has rungs for. */
function makeH264(dir: string): string {
  const file = path.join(dir, 'h264.mkv');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '4', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-shortest', file], { timeout: 60_000 });
  return file;
}

let clip: string;
let big: string;
beforeAll(async () => {
  await startStores();
  const dir = await fileScope(async () => tempDir('wp-clips-'));
  clip = makeClip(dir, { seconds: 240, width: 64, height: 48, name: 'movie.mkv' });
  big = makeClip(dir, { seconds: 20, approxMB: 200, name: 'big.mkv' });
}, 120_000);
afterAll(stopStores);

interface Pair {
  a: Server;
  b: Server;
  hosts: string;
  subs: Server[];
  cli(profile: string, args: string[], input?: string): Promise<{ code: number | null; stdout: string; stderr: string; output: string }>;
  spawn(profile: string, args: string[]): ReturnType<typeof run>;
}

/** Central a leads, b stands by; two subs and every client know both. */
async function startPair(): Promise<Pair> {
  const url = await freshDatabase();
  const a = await startCentral({ heartbeat: 1, extraArgs: ['--store', url] });
  expect(a.stdout()).toMatch(/\(leading; others reach it at 127\.0\.0\.1:\d+\)/);
  const b = await startCentral({ heartbeat: 1, secretFile: secretFileOf(a), extraArgs: ['--store', url] });
  expect(b.stdout()).toMatch(new RegExp(`standing by: the leader is at 127\\.0\\.0\\.1:${a.port}`));
  const hosts = `127.0.0.1:${a.port},127.0.0.1:${b.port}`;
  const subs = [await startSub(a, { extraArgs: ['--host', hosts] }), await startSub(a, { extraArgs: ['--host', hosts] })];
  const home = tempDir('wp-home-');
  const target = (profile: string) => ['--host', hosts, '--profile', profile];
  return {
    a,
    b,
    hosts,
    subs,
    cli: (profile, args, input) => runToEnd([...args, ...target(profile)], { env: { WATCHPARTY_HOME: home }, ...(input !== undefined ? { input } : {}) }),
    spawn: (profile, args) => run([...args, ...target(profile)], { env: { WATCHPARTY_HOME: home } }),
  };
}

async function stopAll(p: Pair, more: { kill(signal?: NodeJS.Signals): void; exited(): Promise<unknown> }[]): Promise<void> {
  for (const proc of [...more, ...p.subs, p.a, p.b]) {
    proc.kill('SIGCONT');
    proc.kill('SIGKILL');
    await proc.exited();
  }
}

describe.each(['SIGKILL', 'SIGSTOP'] as const)('a hot standby central (leader stopped with %s)', (signal) => {
  it('leads within 3 s; subs re-register, viewers play on, no accepted control is lost, seq never goes back', async () => {
    const p = await startPair();
    const viewers: ReturnType<typeof run>[] = [];
    try {
      for (const user of ['ann', 'bob']) expect((await p.cli(user, ['register', user, '--password-stdin'], `pw-${user}\n`)).code).toBe(0);
      expect((await p.cli('ann', ['upload', clip])).code).toBe(0);
      await waitFor(async () => JSON.parse((await p.cli('ann', ['videos', '--json'])).stdout)[0]?.replicas === 2, { timeoutMs: 20_000, what: 'two replicas' });
      const made = await p.cli('ann', ['room', 'create', 'movie.mkv', '--invite', 'bob', '--json']);
      expect(made.code, made.output).toBe(0);
      const roomId = (JSON.parse(made.stdout) as { id: string }).id;

      // `status` through either central shows who leads and who stands by.
      const st = JSON.parse((await p.cli('bob', ['status', '--json'])).stdout) as { centrals: { address: string; leading: boolean }[]; subs: unknown[] };
      expect(st.centrals).toEqual([expect.objectContaining({ address: p.a.address, leading: true }), expect.objectContaining({ address: p.b.address, leading: false })]);
      expect(st.subs).toHaveLength(2);
      const human = await runToEnd(['status', '--host', p.b.address]);
      expect(human.stdout).toMatch(new RegExp(`central ${p.a.address}: leads[^]*central ${p.b.address}: stands by`));

      const ann = p.spawn('ann', ['watch', roomId, '--headless']);
      const bob = p.spawn('bob', ['watch', roomId, '--headless']);
      viewers.push(ann, bob);
      await ann.waitFor(/"paused":true/, 20_000);
      await bob.waitFor(/"paused":true/, 20_000);
      expect((await p.cli('ann', ['control', roomId, 'play'])).code).toBe(0);
      await waitFor(() => {
        const a = last(ann);
        const b = last(bob);
        return a && b && !a.paused && !b.paused && a.position > 2 && b.position > 2 && Math.abs(b.error_ms) < 60;
      }, { timeoutMs: 20_000, what: 'both playing in sync' });

      // The admin keeps seeking forward through the failover; every seek told "done" must survive it.
      let seeking = true;
      const acked: number[] = [];
      const controls = (async () => {
        for (let target = 20; seeking && target < 200; target += 10) {
          const r = await p.cli('ann', ['control', roomId, 'seek', String(target)]);
          if (r.code === 0) acked.push(target);
        }
      })();
      await waitFor(() => acked.length >= 1, { timeoutMs: 15_000, what: 'a first seek accepted' });
      // An upload under way when the leader goes: it resumes against the new leader by itself.
      const upload = p.spawn('ann', ['upload', big]);
      viewers.push(upload);
      await upload.waitFor(/\]\s+\d+%/, 60_000);

      const stoppedAt = Date.now();
      p.a.kill(signal);
      await p.b.waitFor(/leading \(epoch 2\)/, 10_000);
      const takeoverMs = Date.now() - stoppedAt;
      console.log(`[failover ${signal}] standby leads ${takeoverMs} ms after the leader stopped`);
      expect(takeoverMs).toBeLessThanOrEqual(3000);
      // The registry is rebuilt from the subs re-registering with the same ids.
      for (const sub of p.subs) await sub.waitFor(new RegExp(`re-registered with central ${p.b.address.replace(/\./g, '\\.')} as sub-\\d`), 10_000);
      const rebuiltMs = Date.now() - stoppedAt;
      console.log(`[failover ${signal}] both subs re-registered ${rebuiltMs} ms after the leader stopped`);
      const accepted = acked.length;
      await waitFor(() => acked.length >= accepted + 2, { timeoutMs: 20_000, what: 'seeks accepted by the new leader' });
      seeking = false;
      await controls;

      if (signal === 'SIGSTOP') {
        // The old leader wakes up: it must notice its lease is gone and step down, not act on its memory.
        p.a.kill('SIGCONT');
        await p.a.waitFor(/stopped leading/, 10_000);
        // Asked directly, it answers "the leader is at b", and the client follows there.
        const again = await waitFor(async () => {
          const r = await runToEnd(['status', '--json', '--host', p.a.address]);
          const centrals = r.code === 0 ? (JSON.parse(r.stdout) as { centrals: { address: string; leading: boolean }[] }).centrals : [];
          return centrals.some((c) => c.address === p.a.address && !c.leading) ? centrals : undefined;
        }, { timeoutMs: 10_000, what: 'the old leader listed as standing by' });
        expect(again.find((c) => c.leading)?.address).toBe(p.b.address);
      }

      // Viewers never left: same processes, still playing, on the last accepted seek.
      const lastTarget = acked.at(-1)!;
      const rooms = JSON.parse((await p.cli('bob', ['rooms', '--json'])).stdout) as { id: string; paused: boolean; position: number }[];
      expect(rooms).toEqual([expect.objectContaining({ id: roomId, paused: false })]);
      expect(rooms[0]!.position).toBeGreaterThanOrEqual(lastTarget);
      await waitFor(() => {
        const b = last(bob);
        return b && !b.paused && b.position >= lastTarget && Math.abs(b.error_ms) < 100;
      }, { timeoutMs: 15_000, what: 'bob playing on the last accepted seek' });
      expect(bob.child.exitCode).toBeNull();
      expect(ann.child.exitCode).toBeNull();
      expect(bob.stdout() + bob.stderr()).not.toMatch(/log in again|NOT_LOGGED_IN|BAD_TOKEN/);
      for (const viewer of [ann, bob]) {
        const seqs = statusLines(viewer.stdout()).map((l) => l.seq);
        for (let i = 1; i < seqs.length; i++) expect(seqs[i]!, `seq went back at line ${i}`).toBeGreaterThanOrEqual(seqs[i - 1]!);
      }
      expect(await upload.exited(120_000), upload.output()).toBe(0);
      console.log(`[failover ${signal}] upload: ${upload.stderr().split(/[\r\n]+/).filter((l) => /lost|continuing|resum/.test(l)).join(" / ")}`);
      expect(upload.stderr()).toMatch(/the sub lost central mid-upload|lost the sub mid-upload/);
      expect(upload.stdout()).toMatch(/uploaded "big\.mkv"/);
      // The new leader lacked the videos' bytes (its own --data): it restored them from the subs, so a
      // sub that joins now gets verified replicas of both from it.
      await p.b.waitFor(/restored video #1 "movie\.mkv"/, 30_000);
      p.subs.push(await startSub(p.b, { secretFile: secretFileOf(p.a), extraArgs: ['--host', p.hosts] }));
      await waitFor(async () => {
        const videos = JSON.parse((await p.cli('bob', ['videos', '--json'])).stdout) as { name: string; replicas: number }[];
        return videos.length === 2 && videos.every((v) => v.replicas === 3);
      }, { timeoutMs: 60_000, what: 'three replicas of both videos' });

      // A control after the failover reaches both players.
      expect((await p.cli('ann', ['control', roomId, 'pause'])).code).toBe(0);
      await waitFor(() => last(ann)?.paused && last(bob)?.paused, { timeoutMs: 10_000, what: 'both paused by the new leader' });
    } finally {
      await stopAll(p, viewers);
    }
  }, 180_000);
});

/** A TCP relay to PostgreSQL that the test can cut, as a network partition between a central and its database. */
async function cuttableRelay(targetUrl: string): Promise<{ url: string; cut(): void; close(): Promise<void> }> {
  const target = new URL(targetUrl);
  const sockets = new Set<net.Socket>();
  let cut = false;
  const server = net.createServer((client) => {
    if (cut) return client.destroy();
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(targetUrl);
  url.port = String((server.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    // Silently: no reset reaches the central, as when a cable is pulled; its queries just never answer.
    cut: () => {
      cut = true;
      for (const s of sockets) s.pause();
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('centrals sharing a store', () => {
  it('a leader cut off from PostgreSQL stops leading when its lease runs out, and the standby takes over', async () => {
    const url = await freshDatabase();
    const relay = await cuttableRelay(url);
    const a = await startCentral({ heartbeat: 1, extraArgs: ['--store', relay.url] });
    const b = await startCentral({ heartbeat: 1, secretFile: secretFileOf(a), extraArgs: ['--store', url] });
    const sub = await startSub(a, { extraArgs: ['--host', `${a.address},${b.address}`] });
    try {
      const cutAt = Date.now();
      relay.cut();
      // One observer watches both logs every 10 ms: when each line first appears.
      const seen: { stopped?: number; led?: number } = {};
      await waitFor(() => {
        if (seen.stopped === undefined && /stopped leading: the lease ran out/.test(a.stdout())) seen.stopped = Date.now() - cutAt;
        if (seen.led === undefined && /leading \(epoch 2\)/.test(b.stdout())) seen.led = Date.now() - cutAt;
        return seen.stopped !== undefined && seen.led !== undefined;
      }, { timeoutMs: 10_000, intervalMs: 10, what: 'the cut-off leader stopping and the standby leading' });
      console.log(`[partition] the cut-off leader stopped ${seen.stopped} ms after the cut; the standby led ${seen.led} ms after it`);
      // Never two leaders: the cut-off one stops trusting its lease before the database lets anyone else have it.
      expect(seen.stopped!).toBeLessThan(seen.led!);
      expect(seen.led!).toBeLessThanOrEqual(3000);
      await sub.waitFor(new RegExp(`re-registered with central ${b.address.replace(/\./g, '\\.')}`), 10_000);
    } finally {
      for (const p of [sub, a, b]) {
        p.kill('SIGKILL');
        await p.exited();
      }
      await relay.close();
    }
  });

  it('with TLS, subs and clients follow a failover to a central they never met: the leader vouches for its certificate', async () => {
    const url = await freshDatabase();
    const a = await startCentral({ heartbeat: 1, extraArgs: ['--store', url, '--tls', 'auto'] });
    const b = await startCentral({ heartbeat: 1, secretFile: secretFileOf(a), extraArgs: ['--store', url, '--tls', 'auto'] });
    const fingerprint = (c: Server) => c.stdout().match(/TLS on: certificate (SHA256:\S+)/)![1]!;
    expect(fingerprint(a)).not.toBe(fingerprint(b));
    const hosts = `${a.address},${b.address}`;
    const home = tempDir('wp-home-');
    const status = (...extra: string[]) => runToEnd(['status', '--json', '--host', hosts, ...extra], { env: { WATCHPARTY_HOME: home } });
    // The operator vouches for a alone (its fingerprint); a, once trusted, vouches for b.
    const sub = await startSub(a, { extraArgs: ['--host', hosts, '--tls', 'auto', '--fingerprint', fingerprint(a)] });
    try {
      await sub.waitFor(new RegExp(`pinned the certificates of ${b.address.replace(/\./g, '\\.')}, vouched for by central`), 10_000);
      const first = await status('--fingerprint', fingerprint(a));
      expect(first.code, first.output).toBe(0);
      const profile = JSON.parse(fs.readFileSync(path.join(home, 'profiles', 'default.json'), 'utf8')) as { centrals: Record<string, { fingerprint: string }> };
      expect(profile.centrals[b.address]?.fingerprint).toBe(fingerprint(b));

      a.kill('SIGKILL');
      await b.waitFor(/leading \(epoch 2\)/, 10_000);
      await sub.waitFor(new RegExp(`re-registered with central ${b.address.replace(/\./g, '\\.')}`), 10_000);
      const after = await status();
      expect(after.code, after.output).toBe(0);
      expect((JSON.parse(after.stdout) as { centrals: { address: string; leading: boolean }[] }).centrals.find((c) => c.leading)?.address).toBe(b.address);
    } finally {
      for (const p of [sub, a, b]) {
        p.kill('SIGKILL');
        await p.exited();
      }
    }
  });

  it('a leader that took over on another machine restores renditions from the subs too, for a sub that joins later', async () => {
    const url = await freshDatabase();
    const a = await startCentral({ heartbeat: 1, extraArgs: ['--store', url] });
    const b = await startCentral({ heartbeat: 1, secretFile: secretFileOf(a), extraArgs: ['--store', url] });
    const hosts = `${a.address},${b.address}`;
    const worker = await startSub(a, { jobs: 1, extraArgs: ['--host', hosts] });
    const home = tempDir('wp-home-');
    const cli = (args: string[], input?: string) => runToEnd([...args, '--host', hosts, '--profile', 'ann'], { env: { WATCHPARTY_HOME: home }, ...(input !== undefined ? { input } : {}) });
    try {
      expect((await cli(['register', 'ann', '--password-stdin'], 'pw-ann\n')).code).toBe(0);
      const h264 = makeH264(tempDir('wp-clips-'));
      expect((await cli(['upload', h264])).code).toBe(0);
      type Listed = { renditions: { rung: string; replicas: number }[]; processing: { state: string } | null; replicas: number };
      const listed = async () => JSON.parse((await cli(['videos', '--json'])).stdout) as Listed[];
      const made = await waitFor(async () => {
        const [v] = await listed();
        return v && v.processing?.state === 'done' && v.renditions.length > 0 && v.renditions.every((r) => r.replicas === 1) ? v.renditions : undefined;
      }, { timeoutMs: 90_000, what: 'renditions made and replicated on the worker' });

      a.kill('SIGKILL');
      await b.waitFor(/leading \(epoch 2\)/, 10_000);
      await b.waitFor(/restored rendition #\d+/, 30_000);
      await b.waitFor(/restored video #1/, 30_000);
      // A sub that joins now replicates the source and every rendition from the new leader.
      await startSub(b, { secretFile: secretFileOf(a), extraArgs: ['--host', hosts] });
      await waitFor(async () => {
        const [v] = await listed();
        return v && v.replicas === 2 && v.renditions.length === made.length && v.renditions.every((r) => r.replicas === 2);
      }, { timeoutMs: 60_000, what: 'source and renditions on the new sub' });
    } finally {
      for (const p of [worker, a, b]) {
        p.kill('SIGKILL');
        await p.exited();
      }
    }
  }, 180_000);

  it("refuses to stand by with another cluster secret than the running central's, and says whose", async () => {
    const url = await freshDatabase();
    const a = await startCentral({ heartbeat: 1, extraArgs: ['--store', url] });
    try {
      // A fresh --data makes a new secret: subs holding a's could never register with this one.
      const other = await runToEnd(['central', '--headless', '--bind', '127.0.0.1', '--port', '0', '--heartbeat', '1', '--data', tempDir('wp-central-'), '--store', url]);
      expect(other.code).toBe(1);
      expect(other.stderr).toMatch(new RegExp(`cluster secret differs from the one the centrals at ${a.address.replace(/\./g, '\\.')} share`));
      expect(other.stderr).toMatch(/copy the leader's <data>\/secret/);
      // With a's secret it stands by.
      const b = await startCentral({ heartbeat: 1, secretFile: secretFileOf(a), extraArgs: ['--store', url] });
      expect(b.stdout()).toMatch(/standing by/);
      b.kill('SIGTERM');
      await b.exited();
    } finally {
      a.kill('SIGTERM');
      await a.exited();
    }
  });
});
