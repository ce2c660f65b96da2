/** Upload, replication, streaming and play with real processes, real ffmpeg/ffprobe and real mpv. */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fileScope, startCentral, startSub, status, tempDir } from '../helpers/spawn-role.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { makeClip } from '../helpers/make-clip.js';
import { waitFor } from '../helpers/wait-for.js';

function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function profileOf(c: Cluster, user: string): { token: string; subAddress: string } {
  return JSON.parse(fs.readFileSync(path.join(c.home, 'profiles', `${user}.json`), 'utf8'));
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

let big: string; // ~100 MB, 36 s
let small: string; // ~2 MB, 40 s
beforeAll(async () => {
  const dir = await fileScope(async () => tempDir('wp-clips-'));
  big = makeClip(dir, { seconds: 36, width: 320, height: 240, name: 'big.mkv' });
  small = makeClip(dir, { seconds: 40, width: 64, height: 48, name: 'small.mkv' });
}, 120_000);

describe('videos', () => {
  it('replicates a 100 MB upload to every sub within 20 s and tells every user', async () => {
    const c = await startCluster({ subs: 2 });
    await c.register('ula');
    await c.register('vic');
    const up = await c.cli('ula', ['upload', big, '--json']);
    expect(up.code, up.output).toBe(0);
    const uploadedAt = Date.now();
    const video = JSON.parse(up.stdout) as { id: number; duration: number };
    expect(video.duration).toBe(36);
    // The same shape as videos --json (it used to be durationMs here and duration there).
    const sameVideo = (JSON.parse((await c.cli('ula', ['videos', '--json'])).stdout) as Record<string, unknown>[]).find((v) => v.id === video.id)!;
    expect(Object.keys(video).sort()).toEqual(Object.keys(sameVideo).sort());
    const want = sha256(big);
    await waitFor(() => c.subs.every((s) => fs.existsSync(path.join(s.dataDir, 'replicas', String(video.id)))), { timeoutMs: 20_000, what: 'replicas on every sub' });
    expect(Date.now() - uploadedAt).toBeLessThan(20_000);
    for (const s of c.subs) expect(sha256(path.join(s.dataDir, 'replicas', String(video.id)))).toBe(want);
    const listed = await waitFor(async () => {
      const r = await c.cli('vic', ['videos', '--json']);
      const v = (JSON.parse(r.stdout) as { replicas: number }[])[0];
      return v && v.replicas === 2 ? v : undefined;
    }, { timeoutMs: 5000, what: 'replicas: 2 in videos --json' });
    expect(listed).toMatchObject({ name: 'big.mkv', size: fs.statSync(big).size, duration: 36, width: 320, height: 240, uploader: 'ula', sha256: want, replicas: 2 });
    for (const u of ['ula', 'vic']) {
      const n = await c.cli(u, ['notifications']);
      expect(n.stdout).toMatch(/new video: big\.mkv by ula/);
    }
    const st = await status(c.central.port);
    expect(st.subs.map((s) => (s as unknown as { videos: number }).videos)).toEqual([1, 1]);
  });

  it('streams byte ranges with the token, refuses without it, 416 past the end, and plays from 30 s', async () => {
    const c = await startCluster({ subs: 1 });
    await c.register('wes');
    expect((await c.cli('wes', ['upload', small])).code).toBe(0);
    await waitFor(() => fs.existsSync(path.join(c.subs[0]!.dataDir, 'replicas', '1')), { timeoutMs: 10_000, what: 'replica' });
    const { token, subAddress } = profileOf(c, 'wes');
    const url = `http://${subAddress}/videos/1`;
    const ranged = await fetch(url, { headers: { range: 'bytes=1000-1999', authorization: `Bearer ${token}` } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe(`bytes 1000-1999/${fs.statSync(small).size}`);
    expect(ranged.headers.get('accept-ranges')).toBe('bytes');
    expect(Buffer.from(await ranged.arrayBuffer()).equals(fs.readFileSync(small).subarray(1000, 2000))).toBe(true);
    const bearer = await fetch(url, { headers: { range: 'bytes=0-9', authorization: `Bearer ${token}` } });
    expect(bearer.status).toBe(206);
    expect((await fetch(url, { headers: { range: 'bytes=0-9' } })).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: `Bearer ${'x'.repeat(43)}` } })).status).toBe(401);
    // A token in the URL is refused even when it is valid: URLs end up in logs and `ps`.
    expect((await fetch(`${url}?token=${token}`)).status).toBe(401);
    const past = await fetch(url, { headers: { range: 'bytes=999999999-', authorization: `Bearer ${token}` } });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${fs.statSync(small).size}`);

    const play = c.spawn('wes', ['play', 'small.mkv', '--headless', '--start', '30']);
    await play.waitFor(/"position":3[2-9]/, 15_000);
    play.kill('SIGINT');
    const positions = play.stdout().trim().split('\n').map((l) => (JSON.parse(l) as { position: number }).position);
    expect(positions[0]).toBeGreaterThanOrEqual(29.5);
    expect(positions[0]).toBeLessThan(31.5);
    expect(await play.exited(5000)).toBe(0);
  });

  it('resumes an upload after central is killed half way, with a byte-identical result', async () => {
    const c = await startCluster({ subs: 1 });
    await c.register('xia');
    const uploadDir = path.join(c.central.dataDir, 'uploads');
    const size = fs.statSync(big).size;
    const first = c.spawn('xia', ['upload', big]);
    await waitFor(() => fs.readdirSync(uploadDir).some((f) => fileSize(path.join(uploadDir, f)) > size / 3), { timeoutMs: 15_000, intervalMs: 5, what: 'a third uploaded' });
    c.central.kill('SIGKILL');
    expect(await first.exited()).not.toBe(0);
    const stored = fs.readdirSync(uploadDir).map((f) => fileSize(path.join(uploadDir, f)))[0]!;
    expect(stored).toBeGreaterThan(0);
    expect(stored).toBeLessThan(size);
    const again = await startCentral({ dataDir: c.central.dataDir, port: c.central.port });
    await waitFor(async () => (await status(again.port)).subs.length === 1, { timeoutMs: 5000, what: 'sub back' });
    const second = await c.cli('xia', ['upload', big, '--json']);
    expect(second.code, second.output).toBe(0);
    const resumed = Number(/resuming upload of "big\.mkv" by xia at offset (\d+)/.exec(again.output())![1]);
    expect(resumed).toBe(stored);
    expect(sha256(path.join(c.central.dataDir, 'videos', '1'))).toBe(sha256(big));
    expect(fs.readdirSync(uploadDir)).toEqual([]);
  });

  it('resumes a replica after its sub is killed mid-transfer', async () => {
    const c = await startCluster({ subs: 1 });
    await c.register('yan');
    const sub = c.subs[0]!;
    // Keep the sub out of the way while uploading, so the kill lands mid-replication.
    const part = path.join(sub.dataDir, 'replicas', '1.part');
    const up = c.spawn('yan', ['upload', big]);
    await waitFor(() => fileSize(part) > 20e6, { timeoutMs: 20_000, intervalMs: 5, what: 'replica a fifth done' });
    sub.kill('SIGKILL');
    await up.exited();
    const partial = fileSize(part);
    expect(partial).toBeLessThan(fs.statSync(big).size);
    const back = await startSub(c.central, { dataDir: sub.dataDir });
    const m = await back.waitFor(/resuming replica of "big\.mkv" at (\d+) of \d+ bytes/);
    expect(Number(m[1])).toBeGreaterThanOrEqual(partial - 4 * 1024 * 1024);
    expect(Number(m[1])).toBeGreaterThan(0);
    await back.waitFor(/replica of "big\.mkv" verified/, 20_000);
    expect(sha256(path.join(sub.dataDir, 'replicas', '1'))).toBe(sha256(big));
  });

  it('refuses a non-video, an empty file, a taken name and ../evil.mp4, leaving nothing behind', async () => {
    const c = await startCluster({ subs: 1 });
    await c.register('zia');
    const dir = tempDir();
    const text = path.join(dir, 'notes.mp4');
    fs.writeFileSync(text, 'this is not a video\n'.repeat(1000));
    const empty = path.join(dir, 'empty.mp4');
    fs.writeFileSync(empty, '');
    // The server's verdict on the content exits 1; a value that could never work exits 2.
    const cases: [string[], RegExp, number][] = [
      [['upload', text], /not a playable video/, 1],
      [['upload', empty], /is empty: there is nothing to upload/, 2],
      [['upload', small, '--name', '../evil.mp4'], /invalid video name "\.\.\/evil\.mp4": it contains a path separator/, 2],
      [['upload', small, '--name', 'bad\u0007name'], /contains control characters/, 2],
    ];
    for (const [args, message, code] of cases) {
      const r = await c.cli('zia', args);
      expect(r.code, r.output).toBe(code);
      expect(r.stderr).toMatch(message);
      // Central's own paths and command lines are nobody else's business.
      expect(r.stderr).not.toContain(c.central.dataDir);
      expect(r.stderr).not.toMatch(/\.part|uploads\/|ffprobe -v|Command failed/);
    }
    expect((await c.cli('zia', ['upload', small, '--name', 'taken.mkv'])).code).toBe(0);
    const taken = await c.cli('zia', ['upload', small, '--name', 'TAKEN.mkv']);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/a video named "TAKEN\.mkv" exists already/);
    expect(fs.readdirSync(path.join(c.central.dataDir, 'uploads'))).toEqual([]);
    expect(fs.readdirSync(path.join(c.central.dataDir, 'videos'))).toEqual(['1']);
    // The refused non-video freed its name.
    const reuse = await c.cli('zia', ['upload', small, '--name', 'notes.mp4']);
    expect(reuse.code, reuse.output).toBe(0);
  });

  it('frees the name of an abandoned upload when its lease expires; two users upload at once', async () => {
    const c = await startCluster({ subs: 1, uploadLease: 2 });
    await c.register('ada');
    await c.register('bea');
    const uploadDir = path.join(c.central.dataDir, 'uploads');
    const abandoned = c.spawn('ada', ['upload', big, '--name', 'shared.mkv']);
    await waitFor(() => fs.readdirSync(uploadDir).some((f) => fileSize(path.join(uploadDir, f)) > 10e6), { timeoutMs: 15_000, intervalMs: 5, what: 'upload under way' });
    abandoned.kill('SIGKILL');
    const held = await c.cli('bea', ['upload', small, '--name', 'shared.mkv']);
    expect(held.code).toBe(1);
    expect(held.stderr).toMatch(/"shared\.mkv" is being uploaded by ada/);
    await c.central.waitFor(/dropped upload of "shared\.mkv" by ada: no data for 2 s; the name is free again/, 5000);
    expect(fs.readdirSync(uploadDir)).toEqual([]);
    const [one, two] = await Promise.all([c.cli('bea', ['upload', small, '--name', 'shared.mkv', '--json']), c.cli('ada', ['upload', big, '--name', 'other.mkv', '--json'])]);
    expect(one.code, one.output).toBe(0);
    expect(two.code, two.output).toBe(0);
    const names = (JSON.parse((await c.cli('ada', ['videos', '--json'])).stdout) as { name: string }[]).map((v) => v.name).sort();
    expect(names).toEqual(['other.mkv', 'shared.mkv']);
  });
});
