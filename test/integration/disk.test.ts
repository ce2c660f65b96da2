/**
 * Full disks and damaged replicas, with real processes whose data folders sit on small tmpfs file
 * systems (the tests run as root; a failed mount fails the test, it never skips it).
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dial } from '../../src/net/dial.js';
import { ClientAcceptsFromServer } from '../../src/net/directions.js';
import { createLogger } from '../../src/core/log.js';
import type { WatchpartyError } from '../../src/core/errors.js';
import { fileScope, runToEnd, startCentral, startSub, status, tempDir, type Server } from '../helpers/spawn-role.js';
import { makeClip } from '../helpers/make-clip.js';
import { waitFor } from '../helpers/wait-for.js';

const MiB = 1024 * 1024;
const mounts: string[] = [];

/** A fresh tmpfs of `sizeMb` MiB; unmounted (lazily, so processes still holding files do not block it) after the test. */
function smallDisk(sizeMb: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wp-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    fs.rmdirSync(dir);
    throw new Error(`cannot mount a ${sizeMb} MiB tmpfs on ${dir} (these tests need root): ${(err as Error).message}`);
  }
  mounts.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of mounts.splice(0)) {
    execFileSync('umount', ['-l', dir]);
    fs.rmdirSync(dir);
  }
});

/** Write a filler file until the file system is full; returns its path (delete it to free the space). */
function fillUp(dir: string): string {
  const file = path.join(dir, 'filler');
  const fd = fs.openSync(file, 'w');
  try {
    for (const size of [MiB, 4096, 1]) {
      const buf = Buffer.alloc(size, 0x55);
      for (;;) {
        try {
          fs.writeSync(fd, buf);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw err;
        }
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  expect(fs.statfsSync(dir).bavail).toBe(0);
  return file;
}

function sha256(data: Buffer): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/** A user's CLI bound to one home folder and one central. */
function clientOf(central: { port: number }) {
  const home = tempDir('wp-home-');
  const cli = (profile: string, args: string[], input?: string) =>
    runToEnd([...args, '--host', '127.0.0.1', '--port', String(central.port), '--profile', profile], { env: { WATCHPARTY_HOME: home }, ...(input !== undefined ? { input } : {}) });
  return {
    home,
    cli,
    register: (user: string) => cli(user, ['register', user, '--password-stdin', '--json'], `pw-${user}\n`),
    profile: (user: string) => JSON.parse(fs.readFileSync(path.join(home, 'profiles', `${user}.json`), 'utf8')) as { token: string; subAddress: string },
  };
}

/** Start a sub with `WATCHPARTY_LOG` set for it alone (the helper passes this process's environment on). */
async function startSubLogging(level: string, central: { port: number; dataDir: string }, opts: { dataDir?: string }): Promise<Server & { subId: string }> {
  const before = process.env.WATCHPARTY_LOG;
  process.env.WATCHPARTY_LOG = level;
  const started = startSub(central, opts); // spawns synchronously, before its first await
  if (before === undefined) delete process.env.WATCHPARTY_LOG;
  else process.env.WATCHPARTY_LOG = before;
  return started;
}

let big: string; // ~25 MB: more than a 20 MiB disk holds
let small: string; // ~2 MB
let other: string; // ~2 MB, different bytes
beforeAll(async () => {
  const dir = await fileScope(async () => tempDir('wp-clips-'));
  big = makeClip(dir, { seconds: 4, approxMB: 25, name: 'big.mkv' });
  small = makeClip(dir, { seconds: 40, width: 64, height: 48, name: 'small.mkv' });
  other = makeClip(dir, { seconds: 30, width: 80, height: 60, name: 'other.mkv' });
}, 120_000);

describe('central on a small disk', () => {
  it('refuses an upload that does not fit with "central has X free, this video needs Y", leaving no .part', async () => {
    const disk = smallDisk(20);
    const central = await startCentral({ dataDir: disk });
    await startSub(central);
    const c = clientOf(central);
    expect((await c.register('ann')).code).toBe(0);
    const r = await c.cli('ann', ['upload', big]);
    expect(r.code, r.output).toBe(1);
    expect(r.output).toMatch(/central has \d+(\.\d)? MiB free, this video needs 2\d MiB/);
    expect(r.output).not.toContain(disk);
    expect(fs.readdirSync(path.join(disk, 'uploads'))).toEqual([]);
    await central.waitFor(/refused an upload: central has/);
    // A video that fits still goes in.
    const ok = await c.cli('ann', ['upload', small, '--json']);
    expect(ok.code, ok.output).toBe(0);
    expect(fs.readdirSync(path.join(disk, 'uploads'))).toEqual([]);
  });

  it('with the database full: register fails with a clear error, central keeps serving, and restarts on the same data', async () => {
    const disk = smallDisk(20);
    const central = await startCentral({ dataDir: disk });
    await startSub(central);
    const c = clientOf(central);
    expect((await c.register('ann')).code).toBe(0);
    const filler = fillUp(disk);

    const reg = await c.register('bob');
    expect(reg.code, reg.output).toBe(1);
    expect(reg.output).toMatch(/central's disk is full: cannot create the account "bob" now/);
    expect(reg.output).not.toMatch(/SqliteError|SQLITE_FULL|crashed/);
    const login = await c.cli('ann', ['login', 'ann', '--password-stdin'], 'pw-ann\n');
    expect(login.code, login.output).toBe(1);
    expect(login.output).toMatch(/central's disk is full: cannot start a session for "ann" now/);
    // Reads still work, for users through their sub and for status.
    expect((await c.cli('ann', ['videos', '--json'])).code).toBe(0);
    expect((await status(central.port)).subs).toHaveLength(1);
    expect(central.child.exitCode).toBeNull();

    central.kill('SIGKILL');
    await central.exited();
    const again = await startCentral({ dataDir: disk, port: central.port });
    await waitFor(async () => (await status(again.port)).subs.length === 1, { timeoutMs: 10_000, what: 'the sub back on the restarted central' });
    expect(again.child.exitCode).toBeNull();

    fs.rmSync(filler);
    const late = await c.register('bob');
    expect(late.code, late.output).toBe(0);
    expect(again.output()).not.toMatch(/uncaught|SqliteError/i);
  });

  it('a central first started on a full disk says so and exits, instead of crashing', async () => {
    const disk = smallDisk(20);
    fillUp(disk);
    const secret = path.join(tempDir(), 'secret');
    fs.writeFileSync(secret, 'x'.repeat(43) + '\n', { mode: 0o600 });
    const r = await runToEnd(['central', '--headless', '--bind', '127.0.0.1', '--port', '0', '--data', disk, '--secret-file', secret]);
    expect(r.code, r.output).toBe(1);
    expect(r.stderr).toMatch(/error: the disk holding \S+ is full: cannot even write its lock file/);
    expect(r.stderr).not.toMatch(/crashed|this is a bug/);
    expect(fs.readdirSync(disk)).toEqual(['filler']);
  });

  it('an expired upload lease frees its .part on a full disk, and a chunk that does not fit is refused', async () => {
    const disk = smallDisk(20);
    const central = await startCentral({ dataDir: disk, uploadLease: 1 });
    await startSub(central);
    const c = clientOf(central);
    expect((await c.register('ann')).code).toBe(0);
    const { token, subAddress } = c.profile('ann');
    const { peer } = await dial({ address: subAddress, name: 'sub', role: 'client', accepts: ClientAcceptsFromServer, log: createLogger('test', () => {}, 'error') });
    try {
      await peer.request('session.open', { token });
      const begun = await peer.request('upload.begin', { name: 'half.mkv', size: 8 * MiB, sha256: 'a'.repeat(64) });
      // Two chunks of the largest size a sub accepts.
      await peer.request('upload.chunk', { uploadId: begun.uploadId, offset: 0 }, { payload: Buffer.alloc(MiB, 1) });
      await peer.request('upload.chunk', { uploadId: begun.uploadId, offset: MiB }, { payload: Buffer.alloc(MiB, 1) });
      const part = path.join(disk, 'uploads', `${begun.uploadId}.part`);
      expect(fs.statSync(part).size).toBe(2 * MiB);
      const filler = fillUp(disk);
      const refused = await peer.request('upload.chunk', { uploadId: begun.uploadId, offset: 2 * MiB }, { payload: Buffer.alloc(MiB, 2) }).catch((e: WatchpartyError) => e);
      expect(refused).toMatchObject({ code: 'NO_SPACE' });
      expect((refused as Error).message).toMatch(/central ran out of disk space while storing this upload \(2\.0 MiB of 8\.0 MiB stored\)/);
      expect((refused as Error).message).not.toContain(disk);
      expect(fs.statSync(part).size).toBe(2 * MiB);
      // No more chunks: the lease (1 s) runs out and the sweep frees the bytes first.
      await waitFor(() => !fs.existsSync(part), { timeoutMs: 10_000, what: `${part} deleted by the lease sweep` });
      await central.waitFor(/dropped (the bytes of the )?upload of "half\.mkv"/);
      expect(central.child.exitCode).toBeNull();
      expect((await status(central.port)).subs).toHaveLength(1);
      fs.rmSync(filler);
    } finally {
      peer.close(1000, 'test done');
    }
  });

  it('the lease sweep survives a database too full to delete the reservation, and cleans up once there is room', async () => {
    const disk = smallDisk(20);
    const central = await startCentral({ dataDir: disk, uploadLease: 1 });
    await startSub(central);
    const c = clientOf(central);
    expect((await c.register('ann')).code).toBe(0);
    const { token, subAddress } = c.profile('ann');
    const { peer } = await dial({ address: subAddress, name: 'sub', role: 'client', accepts: ClientAcceptsFromServer, log: createLogger('test', () => {}, 'error') });
    try {
      await peer.request('session.open', { token });
      const begin = () => peer.request('upload.begin', { name: 'empty.mkv', size: MiB, sha256: 'b'.repeat(64) });
      await begin();
      // The .part is empty, so deleting it frees nothing: the row delete meets a full database.
      const filler = fillUp(disk);
      await central.waitFor(/dropped the bytes of the upload of "empty\.mkv" by ann \(no data for 1 s\); the database is full/);
      expect(fs.readdirSync(path.join(disk, 'uploads'))).toEqual([]);
      const meanwhile = await begin().catch((e: WatchpartyError) => e);
      expect(meanwhile).toMatchObject({ code: 'NO_SPACE', message: expect.stringMatching(/"empty\.mkv" stays reserved by an expired upload until there is room/) });
      expect((await status(central.port)).subs).toHaveLength(1);
      expect(central.child.exitCode).toBeNull();
      fs.rmSync(filler);
      await central.waitFor(/the database has room again: upload reservation [0-9a-f]{8}… removed/);
      expect((await begin()).resumed).toBe(false);
      expect(central.output()).not.toMatch(/uncaught|SqliteError|failed: the disk is full/);
    } finally {
      peer.close(1000, 'test done');
    }
  });
});

describe('client on a full disk', () => {
  it('register says the profile cannot be saved, instead of crashing', async () => {
    const central = await startCentral();
    await startSub(central);
    const home = smallDisk(20);
    fillUp(home);
    const r = await runToEnd(['register', 'cat', '--password-stdin', '--host', '127.0.0.1', '--port', String(central.port), '--profile', 'cat'], { env: { WATCHPARTY_HOME: home }, input: 'pw-cat\n' });
    expect(r.code, r.output).toBe(1);
    expect(r.stderr).toMatch(/error: cannot save the profile \S+cat\.json: the disk is full/);
    expect(r.stderr).not.toMatch(/crashed|this is a bug/);
    expect(central.child.exitCode).toBeNull();
  });
});

describe('sub replicas', () => {
  it('a flipped and a truncated replica are never served after a restart, and are pulled again verified', async () => {
    const central = await startCentral();
    const sub = await startSub(central);
    const c = clientOf(central);
    expect((await c.register('ann')).code).toBe(0);
    for (const f of [small, other]) expect((await c.cli('ann', ['upload', f])).code).toBe(0);
    const replica = (id: number) => path.join(sub.dataDir, 'replicas', String(id));
    await waitFor(() => fs.existsSync(replica(1)) && fs.existsSync(replica(2)), { timeoutMs: 15_000, what: 'both replicas' });
    const want = new Map([[1, fs.readFileSync(small)], [2, fs.readFileSync(other)]]);

    sub.kill('SIGKILL');
    await sub.exited();
    const flipped = fs.readFileSync(replica(1));
    for (let i = 0; i < 16; i++) flipped[Math.floor(flipped.length / 2) + i]! ^= 0xff;
    fs.writeFileSync(replica(1), flipped);
    fs.truncateSync(replica(2), Math.floor(want.get(2)!.length / 2));

    const back = await startSub(central, { dataDir: sub.dataDir, waitRegistered: false });
    const { token } = c.profile('ann');
    const statuses = new Map<number, number[]>([[1, []], [2, []]]);
    const served = new Set<number>();
    const wrong: string[] = [];
    // Ask from the first moment on; every 200 must carry exactly the catalogue's bytes.
    await waitFor(async () => {
      for (const id of [1, 2]) {
        if (served.has(id)) continue;
        const res = await fetch(`http://${back.address}/videos/${id}`, { headers: { authorization: `Bearer ${token}` } });
        const body = Buffer.from(await res.arrayBuffer());
        statuses.get(id)!.push(res.status);
        if (res.status !== 200) continue;
        if (sha256(body) !== sha256(want.get(id)!)) wrong.push(`GET /videos/${id} answered 200 with ${body.length} bytes that differ from the catalogue's`);
        served.add(id);
      }
      return served.size === 2;
    }, { timeoutMs: 20_000, intervalMs: 20, what: 'both videos served again' });
    expect(wrong).toEqual([]);
    await back.waitFor(/replica of "small\.mkv" \(#1\) is damaged: its sha256 is/);
    await back.waitFor(/replica of "other\.mkv" \(#2\) is damaged: it has \d+ bytes, the catalogue says \d+/);
    for (const id of [1, 2]) {
      expect(statuses.get(id)!.every((s) => s === 200 || s === 503), `statuses of #${id}: ${statuses.get(id)}`).toBe(true);
      expect(sha256(fs.readFileSync(replica(id)))).toBe(sha256(want.get(id)!));
    }
    expect(back.output().match(/replica of "(small|other)\.mkv" verified \(sha256 ok\)/g)).toHaveLength(2);
  });

  it('an intact replica found at start is checked, then served, without pulling it again', async () => {
    const central = await startCentral();
    const sub = await startSub(central);
    const c = clientOf(central);
    expect((await c.register('ann')).code).toBe(0);
    expect((await c.cli('ann', ['upload', small])).code).toBe(0);
    await sub.waitFor(/replica of "small\.mkv" verified/, 15_000);
    sub.kill('SIGKILL');
    await sub.exited();
    const back = await startSub(central, { dataDir: sub.dataDir });
    await back.waitFor(/replica #1 checked \(size and sha256 ok\): serving it/);
    const res = await fetch(`http://${back.address}/videos/1`, { headers: { authorization: `Bearer ${c.profile('ann').token}` } });
    expect(res.status).toBe(200);
    expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(sha256(fs.readFileSync(small)));
    expect(back.output()).not.toMatch(/replicating "small\.mkv"|damaged/);
  });

  it('a sub on a full disk backs off: one warning per episode, growing delays, and it recovers once there is room', async () => {
    const central = await startCentral();
    const disk = smallDisk(20);
    const sub = await startSubLogging('debug', central, { dataDir: disk });
    const c = clientOf(central);
    expect((await c.register('ann')).code).toBe(0);
    const filler = fillUp(disk);
    expect((await c.cli('ann', ['upload', small])).code).toBe(0);
    await sub.waitFor(/replica of "small\.mkv" try 3 failed/, 15_000);
    const lines = sub.output().split('\n');
    const warnings = lines.filter((l) => /replica of "small\.mkv" (failed|still failing)/.test(l));
    expect(warnings, warnings.join('\n')).toHaveLength(1);
    expect(warnings[0]).toMatch(/this sub has [\d.]+ (B|KiB) free, the rest of "small\.mkv" needs [\d.]+ MiB/);
    const delays = lines.flatMap((l) => /replica of "small\.mkv" (?:failed|try \d+ failed).*next try in ([\d.]+) s/.exec(l)?.[1] ?? []).map(Number);
    expect(delays.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < delays.length; i++) expect(delays[i]!).toBeGreaterThan(delays[i - 1]!);
    expect(lines.filter((l) => /replicating "small\.mkv"/.test(l) && !/DEBUG/i.test(l))).toHaveLength(1);

    fs.rmSync(filler);
    await sub.waitFor(/replica of "small\.mkv" recovered after \d+ failed tries/, 20_000);
    expect(sha256(fs.readFileSync(path.join(disk, 'replicas', '1')))).toBe(sha256(fs.readFileSync(small)));
  });
});
