/**
 * Media jobs with real processes: central plans, subs encode with Debian's ffmpeg, every rendition ends
 * up verified on every sub with the source's frames and timestamps; a worker killed mid-task loses its
 * lease to another, a central restarted mid-plan carries on, a corrupt output is refused and redone,
 * and the job list shows every state. A "rogue" worker speaks the protocol by hand where a test needs
 * a worker that holds, fails or corrupts a task on cue.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { startCentral, startSub, secretFileOf, tempDir, type Server } from '../helpers/spawn-role.js';
import { rawHello, type RawPeer } from '../helpers/raw-peer.js';
import { waitFor } from '../helpers/wait-for.js';
import { probeKeyframes, probeMedia, sourceFacts } from '../../src/roles/media-probe.js';

interface JobJson {
  id: number;
  video: string;
  kind: string;
  rendition: string | null;
  worker: string | null;
  state: string;
  attempts: number;
  size: number | null;
  error: string | null;
}
interface VideoJson {
  id: number;
  name: string;
  sha256: string;
  renditions: { rung: string; height: number; size: number; replicas: number }[];
  processing: { state: string; done: number; total: number } | null;
}

/** An H.264 + AAC clip of `seconds` at 640x360, 25 fps (a B-frame delay, like most real files). */
function makeH264Clip(dir: string, seconds: number, name = 'clip.mkv', size = '640x360'): string {
  const file = path.join(dir, name);
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=size=${size}:rate=25`, '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-bf', '2', '-g', '50', '-c:a', 'aac', '-shortest', file], { timeout: 60_000 });
  return file;
}

const jobsOf = async (c: Cluster, user: string): Promise<JobJson[]> => {
  const r = await c.cli(user, ['jobs', '--json']);
  if (r.code !== 0) throw new Error(`jobs --json: ${r.output}`);
  return JSON.parse(r.stdout) as JobJson[];
};
const videosOf = async (c: Cluster, user: string): Promise<VideoJson[]> => JSON.parse((await c.cli(user, ['videos', '--json'])).stdout) as VideoJson[];

/** Everything a rendition file says about its video stream and audio, for comparing with the source. */
function framesAndStart(file: string): { frames: number; start: string; audio: number } {
  const out = execFileSync('ffprobe', ['-v', 'error', '-count_packets', '-show_entries', 'stream=codec_type,nb_read_packets,start_time', '-of', 'json', file], { encoding: 'utf8' });
  const streams = (JSON.parse(out) as { streams: { codec_type: string; nb_read_packets: string; start_time: string }[] }).streams;
  const v = streams.find((s) => s.codec_type === 'video')!;
  return { frames: Number(v.nb_read_packets), start: v.start_time, audio: streams.filter((s) => s.codec_type === 'audio').length };
}

/** A worker by hand: registers with the secret, answers probes, and takes tasks when told to. */
async function rogueWorker(central: Server): Promise<{ peer: RawPeer; subId: string }> {
  const peer = await rawHello(central.port, 'sub');
  const secret = fs.readFileSync(secretFileOf(central), 'utf8').trim();
  const reg = await peer.request('sub.register', { secret, port: 1, pid: 1 });
  if (reg.error) throw new Error(`register: ${reg.error.message}`);
  peer.ws.on('message', (d: Buffer) => {
    const h = JSON.parse(d.subarray(4, 4 + d.readUInt32BE(0)).toString()) as { type: string; id?: number };
    if (h.type === 'sub.probe') peer.ws.send(encodeReply(h.id!, { clients: 0, replicas: [], transfers: [] }));
  });
  return { peer, subId: (reg.result as { subId: string }).subId };
}

function encodeReply(replyTo: number, result: object): Buffer {
  const json = Buffer.from(JSON.stringify({ type: 'reply', replyTo, result }));
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(json.length);
  return Buffer.concat([prefix, json]);
}

const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

describe('media jobs', () => {
  it('a clip uploaded to two subs ends with every rendition on every sub, verified, with the source frames and timestamps', async () => {
    const c = await startCluster({ subs: 2, jobs: 1, centralArgs: ['--job-lease', '5'] });
    await c.register('ann');
    const clip = makeH264Clip(tempDir(), 8);
    expect((await c.cli('ann', ['upload', clip])).code).toBe(0);
    const video = await waitFor(async () => {
      const [v] = await videosOf(c, 'ann');
      return v && v.processing?.state === 'done' && v.renditions.length === 2 && v.renditions.every((r) => r.replicas === 2) ? v : undefined;
    }, { timeoutMs: 90_000, intervalMs: 500, what: 'both renditions on both subs' });
    expect(video.renditions.map((r) => r.rung)).toEqual(['360p', '240p']);
    const source = framesAndStart(clip);
    for (const sub of c.subs) {
      const files = fs.readdirSync(path.join(sub.dataDir, 'renditions')).filter((f) => /^\d+$/.test(f));
      expect(files).toHaveLength(2);
      for (const f of files) {
        const facts = framesAndStart(path.join(sub.dataDir, 'renditions', f));
        // The same frames at the same times: a position names the same frame in every rendition.
        expect(facts).toEqual({ frames: source.frames, start: source.start, audio: 1 });
      }
    }
    const jobs = await jobsOf(c, 'ann');
    expect(new Set(jobs.map((j) => j.state))).toEqual(new Set(['done']));
    // Two segments (the clip's 2 s GOPs, cut every 4 s) and the audio, each making both rungs at once.
    expect(jobs.map((j) => j.kind).sort()).toEqual(['assemble', 'assemble', 'audio', 'poster', 'probe', 'segment', 'segment', 'sprite']);
    expect(jobs.every((j) => j.attempts === 1 && j.worker && /^sub-\d+$/.test(j.worker))).toBe(true);
    // The table form names each task's kind, rendition and worker.
    const table = await c.cli('ann', ['jobs', '--video', 'clip.mkv']);
    expect(table.stdout).toMatch(/ID\s+VIDEO\s+KIND\s+RENDITION\s+WORKER\s+STATE/);
    expect(table.stdout).toMatch(/assemble\s+360p\s+sub-\d+\s+done/);
    expect((await c.cli('ann', ['videos'])).stdout).toMatch(/clip\.mkv .* 360p 240p/);
  }, 150_000);

  it('a worker killed mid-task loses its lease: the other sub finishes the task, accepted once', async () => {
    const c = await startCluster({ subs: 2, jobs: 1, centralArgs: ['--job-lease', '2'] });
    await c.register('ann');
    const clip = makeH264Clip(tempDir(), 16, 'long.mkv', '1280x720');
    expect((await c.cli('ann', ['upload', clip])).code).toBe(0);
    // Catch a segment while it runs, and kill its worker there and then.
    const running = await waitFor(async () => (await jobsOf(c, 'ann')).find((j) => j.state === 'running' && j.kind === 'segment'), { timeoutMs: 60_000, intervalMs: 100, what: 'a segment running' });
    const victim = c.subs.find((s) => s.subId === running.worker)!;
    victim.kill('SIGKILL');
    const survivor = c.subs.find((s) => s !== victim)!;
    await waitFor(async () => (await videosOf(c, 'ann'))[0]?.processing?.state === 'done', { timeoutMs: 120_000, intervalMs: 500, what: 'the whole ladder done by the survivor' });
    const task = (await jobsOf(c, 'ann')).find((j) => j.id === running.id)!;
    expect(task).toMatchObject({ state: 'done', worker: survivor.subId });
    expect(task.attempts).toBeGreaterThanOrEqual(2);
    // Accepted once: central logged one "done by" for it.
    expect(c.central.output().match(new RegExp(`task ${running.id} \\(\\S+ of #1\\) done by`, 'g'))).toHaveLength(1);
  }, 200_000);

  it('central restarted mid-plan carries on from its store, repeating no accepted task', async () => {
    const central = await startCentral({ heartbeat: 1, extraArgs: ['--job-lease', '3'] });
    const sub = await startSub(central, { jobs: 1 });
    const home = tempDir('wp-home-');
    const cli = (args: string[], input?: string) => import('../helpers/spawn-role.js').then(({ runToEnd }) => runToEnd([...args, '--host', '127.0.0.1', '--port', String(central.port), '--profile', 'ann'], { env: { WATCHPARTY_HOME: home }, ...(input ? { input } : {}) }));
    expect((await cli(['register', 'ann', '--password-stdin'], 'pw\n')).code).toBe(0);
    expect((await cli(['upload', makeH264Clip(tempDir(), 16, 'long.mkv', '1280x720')])).code).toBe(0);
    const list = async () => JSON.parse((await cli(['jobs', '--json'])).stdout) as JobJson[];
    const before = await waitFor(async () => {
      const j = await list();
      return j.some((t) => t.state === 'done' && t.kind === 'segment') && j.some((t) => t.state !== 'done') ? j : undefined;
    }, { timeoutMs: 60_000, intervalMs: 200, what: 'a plan half done' });
    central.kill('SIGKILL');
    await central.exited();
    const again = await startCentral({ dataDir: central.dataDir, port: central.port, heartbeat: 1, extraArgs: ['--job-lease', '3'] });
    await sub.waitFor(/re-registered with central/, 20_000);
    const after = await waitFor(async () => {
      const j = JSON.parse((await cli(['jobs', '--json'])).stdout) as JobJson[];
      return j.length > 0 && j.every((t) => t.state === 'done') ? j : undefined;
    }, { timeoutMs: 120_000, intervalMs: 500, what: 'the plan finished after the restart' });
    for (const t of before.filter((x) => x.state === 'done')) expect(after.find((x) => x.id === t.id)!.attempts).toBe(t.attempts);
    expect(after.filter((t) => t.kind === 'assemble')).toHaveLength(4);
    expect(again.output()).toMatch(/is playable at 480p now/);
  }, 200_000);

  /** A cluster with a streaming-only sub for the users, a rogue worker, and ann's clip uploaded and probed honestly. */
  async function withRogue(centralArgs: string[]) {
    const c = await startCluster({ subs: 0, centralArgs: ['--job-lease', '3', '--heartbeat', '5', ...centralArgs] });
    c.subs.push(await startSub(c.central, { jobs: 0 }));
    // Users first: the rogue is a sub too, and a user placed on it could not connect.
    await c.register('ann');
    await c.register('bob');
    const rogue = await rogueWorker(c.central);
    const clip = makeH264Clip(tempDir(), 8);
    expect((await c.cli('ann', ['upload', clip])).code).toBe(0);
    const [video] = await videosOf(c, 'ann');
    const take = async () => (await rogue.peer.request('job.take', { have: [video!.id] })).result as { task?: { taskId: number; attempt: number; kind: string } };
    const probe = (await take()).task!;
    expect(probe.kind).toBe('probe');
    const facts = sourceFacts(await probeMedia(clip), await probeKeyframes(clip))!;
    expect((await rogue.peer.request('job.done', { taskId: probe.taskId, attempt: probe.attempt, outputs: [], cpuMs: 1, facts })).error).toBeUndefined();
    return { c, rogue, take };
  }

  it('a corrupt output is refused and the task done again; the list shows it waiting, queued, running and done', async () => {
    const { c, rogue, take } = await withRogue([]);
    // Assembles wait for their segments; segments are queued; the rogue holds one.
    const held = (await take()).task!;
    expect(held.kind).toBe('segment');
    expect(new Set((await jobsOf(c, 'ann')).map((j) => j.state))).toEqual(new Set(['done', 'running', 'queued', 'waiting']));
    expect((await jobsOf(c, 'ann')).find((j) => j.id === held.taskId)).toMatchObject({ state: 'running', worker: rogue.subId });
    // Garbage with a matching hash: central's ffprobe refuses it, and the task goes back to the queue.
    const garbage = crypto.randomBytes(4096);
    expect((await rogue.peer.request('job.put', { taskId: held.taskId, attempt: held.attempt, offset: 0 }, garbage)).error).toBeUndefined();
    // (A segment makes every rung; the rogue claims one garbage output is all of it.)
    const refused = await rogue.peer.request('job.done', { taskId: held.taskId, attempt: held.attempt, outputs: [{ size: garbage.length, sha256: sha256(garbage) }, { size: garbage.length, sha256: sha256(garbage) }], cpuMs: 1 });
    expect(refused.error?.message).toMatch(/output refused/);
    const redo = (await jobsOf(c, 'ann')).find((j) => j.id === held.taskId)!;
    expect(redo).toMatchObject({ state: 'queued', attempts: 1 });
    expect(redo.error).toMatch(/output refused/);
    // A late word from the refused attempt changes nothing.
    expect((await rogue.peer.request('job.renew', { taskId: held.taskId, attempt: held.attempt })).error?.code).toBe('LEASE_LOST');
    // A real worker joins and makes it properly.
    const worker = await startSub(c.central, { jobs: 1 });
    const done = await waitFor(async () => {
      const [v] = await videosOf(c, 'ann');
      return v?.processing?.state === 'done' ? v : undefined;
    }, { timeoutMs: 60_000, intervalMs: 300, what: 'the ladder done by the real worker' });
    expect(done.renditions.map((r) => r.rung)).toEqual(['360p', '240p']);
    expect((await jobsOf(c, 'ann')).find((j) => j.id === held.taskId)).toMatchObject({ state: 'done', worker: worker.subId, attempts: 2, error: null });
  }, 150_000);

  it('a task out of tries fails with its worker\'s words; cancel stops the rest; retry (the uploader\'s) completes the ladder', async () => {
    const { c, rogue, take } = await withRogue(['--job-attempts', '1']);
    const doomed = (await take()).task!;
    await rogue.peer.request('job.fail', { taskId: doomed.taskId, attempt: doomed.attempt, error: 'ffmpeg exited with 1: Invalid data found' });
    expect((await jobsOf(c, 'ann')).find((j) => j.id === doomed.taskId)).toMatchObject({ state: 'failed', attempts: 1, error: 'ffmpeg exited with 1: Invalid data found' });
    // A real worker makes everything that does not need the failed segment; the renditions wait for it.
    await startSub(c.central, { jobs: 1 });
    await waitFor(async () => ((await jobsOf(c, 'ann')).every((j) => j.state === 'done' || j.state === 'failed' || j.state === 'waiting') ? true : undefined), { timeoutMs: 60_000, intervalMs: 300, what: 'all but what needs the failed segment done' });
    expect((await videosOf(c, 'ann'))[0]!.renditions).toEqual([]);
    // Only the uploader (or an operator) may cancel or retry.
    const stranger = await c.cli('bob', ['jobs', 'cancel', 'clip.mkv']);
    expect(stranger.code).toBe(1);
    expect(stranger.stderr).toMatch(/only ann, who uploaded "clip.mkv", or an operator/);
    const cancel = await c.cli('ann', ['jobs', 'cancel', 'clip.mkv']);
    expect(cancel.code, cancel.output).toBe(0);
    expect(cancel.stdout).toMatch(/cancelled 2 task\(s\) of "clip.mkv"/);
    expect(new Set((await jobsOf(c, 'ann')).map((j) => j.state))).toEqual(new Set(['done', 'failed', 'cancelled']));
    const bobRetry = await c.cli('bob', ['jobs', 'retry', String(doomed.taskId)]);
    expect(bobRetry.code, bobRetry.output).toBe(1);
    expect((await c.cli('ann', ['jobs', 'retry', String(doomed.taskId)])).code).toBe(0);
    const done = await waitFor(async () => {
      const [v] = await videosOf(c, 'ann');
      return v?.processing?.state === 'done' ? v : undefined;
    }, { timeoutMs: 60_000, intervalMs: 300, what: 'the ladder complete after the retry' });
    expect(done.renditions.map((r) => r.rung)).toEqual(['360p', '240p']);
  }, 150_000);
});
