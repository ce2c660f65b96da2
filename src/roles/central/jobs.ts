/**
 * Central's media-job service: plans each published video (a probe, then the ladder's tasks), hands
 * tasks to worker subs on leases, takes their outputs in order, checks each one (sha256, then ffprobe)
 * before it accepts it, and publishes every finished rendition for the subs to replicate. The rules
 * are pure (shared/job-plan.ts, shared/task-lease.ts); the rows are in the store, the bytes in JobFiles.
 */
import fs from 'node:fs';
import { WatchpartyError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { TaskSpec, type ProbeFacts, type RenditionInfo } from '../../net/job-messages.js';
import type * as z from 'zod';
import { describeIssues } from '../../net/messages.js';
import { hashFile } from '../files.js';
import { probeMedia } from '../media-probe.js';
import { ladderFor, PLAN_RULES, seekSecondsFor, tasksFor, type SourceFacts } from '../shared/job-plan.js';
import { accept, failed, holds, lapsed, lapsedLease, lease, LEASE_RULES, nextTask, renew, type LeaseRules, type TaskRow } from '../shared/task-lease.js';
import { JobFiles } from './job-files.js';
import type { JobStore, RenditionRow, StoredTask, TaskOutput } from './job-store.js';
import type { CentralStore, VideoRow } from './store.js';
import { implausibleProbe, refusal } from './verify-output.js';

export interface JobHooks {
  /** Wake the idle workers: there is work. */
  announce(): void;
  renditionAdded(r: RenditionInfo): void;
  /** Subs holding a verified replica of a rendition. */
  renditionReplicas(renditionId: number): number;
}

/** Leases one worker may hold at once (`sub --jobs` is at most the machine's cores). */
export const MAX_LEASES_PER_WORKER = 16;

/** An output may be at most this much larger than its source (plus a margin for tiny sources). */
const OUTPUT_SLACK = { factor: 2, bytes: 64 * 1024 * 1024 };

export class JobService {
  readonly files: JobFiles;
  private readonly progress = new Map<number, number>();

  constructor(
    dataDir: string,
    private readonly store: CentralStore,
    private readonly jobs: JobStore,
    private readonly log: Logger,
    private readonly hooks: JobHooks,
    private readonly rules: LeaseRules = LEASE_RULES,
  ) {
    this.files = new JobFiles(dataDir);
    // Attempts that were uploading when central stopped: their workers start again with a new lease.
    this.files.removeStaleParts((id, attempt) => {
      const t = this.jobs.task(id);
      return t !== undefined && t.state === 'running' && t.attempts === attempt;
    });
  }

  /** Tell idle workers there may be work (after a retry, say). */
  wake(): void {
    this.hooks.announce();
  }

  /** A video was published: its processing starts with a probe on a worker. */
  plan(video: VideoRow): void {
    this.jobs.addTasks(video.id, [{ key: 'probe', kind: 'probe', deps: [], spec: {} }]);
    this.log.info(`planned processing of "${video.name}" (#${video.id}): probe first`);
    this.hooks.announce();
  }

  /** The next task for `worker` (which holds verified replicas of `have`), on a fresh lease. */
  take(worker: string, have: readonly number[], nowMs = Date.now()): TaskSpec | undefined {
    // A sub runs a few tasks at once; one that asks for more is hoarding them (or broken).
    if (this.jobs.runningBy(worker) >= MAX_LEASES_PER_WORKER) return undefined;
    const holding = new Set(have);
    for (const videoId of this.jobs.activeVideos()) {
      if (!holding.has(videoId)) continue;
      const tasks = this.jobs.tasksOf(videoId).map((t) => this.settleLapsed(t, nowMs));
      const facts = this.jobs.facts(videoId);
      const next = nextTask(tasks, nowMs, facts ? ladderFor(facts).map((r) => r.rung) : []);
      if (!next) continue;
      const leased = lease(next, worker, nowMs, this.rules);
      const spec = TaskSpec.safeParse(this.specOf({ ...next, ...leased }, tasks));
      if (!spec.success) {
        // A plan no worker could run: say so in the job list rather than hand it out again and again.
        this.jobs.save({ ...leased, state: 'failed', finishedMs: nowMs, error: `the task cannot be described to a worker: ${describeIssues(spec.error)}` });
        this.log.error(`task ${next.id} (${next.key} of #${videoId}) has a spec no worker can take: ${describeIssues(spec.error)}`);
        continue;
      }
      this.jobs.save(leased);
      this.log.debug(`task ${next.id} (${next.key} of #${videoId}) → ${worker}, attempt ${leased.attempts}`);
      return spec.data;
    }
    return undefined;
  }

  /** A lease that ran out is a failed attempt (stored at once, so the job list says so). */
  private settleLapsed<T extends TaskRow>(t: T, nowMs: number): T {
    if (!lapsedLease(t, nowMs)) return t;
    const next = { ...t, ...lapsed(t, nowMs, this.rules) };
    this.jobs.save(next);
    this.forgetRun(t);
    this.log.info(`task ${t.id} (${t.key} of #${t.videoId}): ${next.error}${next.state === 'failed' ? '; giving up' : ''}`);
    return next;
  }

  /** What one run left behind: its progress figure and its half-uploaded outputs. */
  private forgetRun(t: TaskRow): void {
    this.progress.delete(t.id);
    this.files.removeParts(t.id, t.attempts);
  }

  private specOf(t: StoredTask, all: readonly StoredTask[]): TaskSpec {
    const spec = JSON.parse(t.spec) as Partial<TaskSpec>;
    const out: TaskSpec = { ...spec, taskId: t.id, attempt: t.attempts, videoId: t.videoId, kind: t.kind, leaseMs: this.rules.leaseMs, ...(t.rung ? { rung: t.rung } : {}) };
    if (t.kind === 'assemble') {
      // Each segment made every rung: this rendition takes the output of its own rung from each.
      const byKey = new Map(all.map((x) => [x.key, x]));
      out.inputs = t.deps.map((key) => {
        const d = byKey.get(key)!;
        const spec = JSON.parse(d.spec) as Partial<TaskSpec>;
        const k = Math.max(0, (d.kind === 'segment' ? (spec.rungs ?? []) : (spec.audioRungs ?? [])).findIndex((r) => r.rung === t.rung));
        const o = d.outputs[k] ?? { size: 0, sha256: '0'.repeat(64) };
        return { taskId: d.id, output: k, role: d.kind === 'audio' ? ('audio' as const) : ('segment' as const), size: o.size, sha256: o.sha256 };
      });
    }
    return out;
  }

  private held(worker: string, taskId: number, attempt: number): StoredTask {
    const t = this.jobs.task(taskId);
    if (!t) throw new WatchpartyError('UNKNOWN_TASK', `no task ${taskId}`);
    if (!holds(t, worker, attempt)) throw new WatchpartyError('LEASE_LOST', `task ${taskId} attempt ${attempt} is no longer yours`);
    return t;
  }

  renew(worker: string, taskId: number, attempt: number, progress?: number, nowMs = Date.now()): void {
    const t = this.held(worker, taskId, attempt);
    this.jobs.save(renew(t, worker, attempt, nowMs, this.rules)!);
    if (progress !== undefined) this.progress.set(taskId, progress);
  }

  /** How far a running task is (0–1), as its worker last said (kept in memory only). */
  progressOf(taskId: number): number | undefined {
    return this.progress.get(taskId);
  }

  async put(worker: string, p: { taskId: number; attempt: number; output?: number | undefined; offset: number }, payload: Buffer | undefined): Promise<{ offset: number }> {
    if (!payload || payload.length === 0) throw new WatchpartyError('BAD_INPUT', 'job.put carries the output bytes as its payload');
    const t = this.held(worker, p.taskId, p.attempt);
    const output = p.output ?? 0;
    if (output >= this.outputCount(t)) throw new WatchpartyError('BAD_INPUT', `task ${t.id} has no output ${output}`);
    const source = this.store.video(t.videoId);
    const max = (source?.size ?? 0) * OUTPUT_SLACK.factor + OUTPUT_SLACK.bytes;
    return { offset: await this.files.put(t.id, p.attempt, output, p.offset, payload, max) };
  }

  /** How many outputs a task makes: one per rung for a segment, none for a probe, else one. */
  private outputCount(t: StoredTask): number {
    if (t.kind === 'probe') return 0;
    if (t.kind === 'segment') return ((JSON.parse(t.spec) as Partial<TaskSpec>).rungs ?? []).length;
    if (t.kind === 'audio') return ((JSON.parse(t.spec) as Partial<TaskSpec>).audioRungs ?? []).length;
    return 1;
  }

  /** The worker says its output is complete: check it, then accept it (or count a failed attempt). */
  async done(worker: string, p: { taskId: number; attempt: number; outputs: TaskOutput[]; cpuMs: number; facts?: z.infer<typeof ProbeFacts> | undefined }): Promise<void> {
    let t = this.held(worker, p.taskId, p.attempt);
    // Checking takes a while: the lease must not run out meanwhile and the task go to someone else.
    this.jobs.save((t = { ...t, ...renew(t, worker, p.attempt, Date.now(), this.rules)! }));
    const why = await this.check(t, p);
    const now = Date.now();
    t = this.held(worker, p.taskId, p.attempt);
    if (why) {
      this.failAttempt(t, `output refused: ${why}`, now);
      throw new WatchpartyError('BAD_INPUT', `output refused: ${why}`);
    }
    await this.files.accept(t.id, p.attempt, p.outputs.length);
    // A retry, a cancel or a deletion may have come while the files moved: then this run counts for nothing.
    t = this.held(worker, p.taskId, p.attempt);
    this.progress.delete(t.id);
    const accepted = accept(t, now, p.outputs.reduce((sum, o) => sum + o.size, 0));
    let rendition: RenditionInfo | undefined;
    // The rendition is stored with its task's "done", so a crash cannot leave one without the other.
    this.jobs.saveAccepted(accepted, p.outputs, p.cpuMs, () => {
      if (t.kind === 'probe' && p.facts) this.afterProbe(t.videoId, p.facts);
      if (t.kind === 'assemble') rendition = this.storeRendition({ ...t, outputs: p.outputs }, now);
    });
    this.log.info(`task ${t.id} (${t.key} of #${t.videoId}) done by ${worker} in ${((now - (t.startedMs ?? now)) / 1000).toFixed(1)} s`);
    if (rendition) {
      this.log.info(`#${t.videoId} is playable at ${rendition.rung} now (${rendition.name}, ${rendition.size} bytes)`);
      this.hooks.renditionAdded(rendition);
    }
    this.tidy(t.videoId);
    this.hooks.announce();
  }

  /** Once every rendition of a video is assembled, its segments and audio have served their purpose: free their space. */
  private tidy(videoId: number): void {
    const tasks = this.jobs.tasksOf(videoId);
    if (!this.jobs.facts(videoId) || tasks.some((t) => t.kind === 'assemble' ? t.state !== 'done' : (t.kind === 'segment' || t.kind === 'audio') && t.state !== 'done')) return;
    this.files.removeTasks(tasks.filter((t) => t.kind === 'segment' || t.kind === 'audio').map((t) => t.id));
  }

  /** Why an output cannot be accepted (undefined: it can). */
  private async check(t: StoredTask, p: { attempt: number; outputs: TaskOutput[]; facts?: SourceFacts | undefined }): Promise<string | undefined> {
    if (t.kind === 'probe') {
      const video = this.store.video(t.videoId);
      if (!p.facts) return 'a probe must say what it found';
      return video ? implausibleProbe(p.facts, video) : undefined;
    }
    if (p.outputs.length !== this.outputCount(t)) return `${p.outputs.length} outputs, the task makes ${this.outputCount(t)}`;
    const spec = JSON.parse(t.spec) as Partial<TaskSpec>;
    const facts = this.jobs.facts(t.videoId);
    for (const [k, o] of p.outputs.entries()) {
      const file = this.files.part(t.id, p.attempt, k);
      const size = this.files.size(file);
      if (size !== o.size) return `output ${k}: ${size < 0 ? 'no' : size} bytes arrived, the worker says ${o.size}`;
      const sha = await hashFile(file);
      if (sha !== o.sha256) return `output ${k}: the bytes hash to ${sha.slice(0, 12)}…, the worker says ${o.sha256.slice(0, 12)}…`;
      let summary;
      try {
        summary = await probeMedia(file);
      } catch (err) {
        return `output ${k}: ${(err as Error).message}`;
      }
      const height = t.kind === 'segment' ? spec.rungs?.[k]?.height : spec.height;
      const why = refusal(summary, { kind: t.kind, ...(facts ? { facts } : {}), ...(spec.frames !== undefined ? { frames: spec.frames } : {}), ...(height !== undefined ? { height } : {}) });
      if (why) return p.outputs.length > 1 ? `output ${k}: ${why}` : why;
    }
    return undefined;
  }

  fail(worker: string, taskId: number, attempt: number, error: string): void {
    const now = Date.now();
    this.failAttempt(this.held(worker, taskId, attempt), error, now);
  }

  private failAttempt(t: TaskRow, error: string, nowMs: number): void {
    const next = failed(t, nowMs, error.slice(-1500), this.rules);
    this.jobs.save(next);
    this.forgetRun(t);
    if (next.state === 'failed') this.log.warn(`task ${t.id} (${t.key} of #${t.videoId}) failed after ${t.attempts} attempts: ${error.split('\n').pop()?.slice(0, 200)}`);
    else this.log.info(`task ${t.id} (${t.key} of #${t.videoId}) attempt ${t.attempts} failed (${error.split('\n').pop()?.slice(0, 200)}); again in ${Math.round((next.notBeforeMs - nowMs) / 1000)} s`);
  }

  /** Bytes of an accepted output that is an input of the caller's task (an assemble reads its segments). */
  async input(worker: string, p: { taskId: number; output?: number | undefined; forTask: number; attempt: number; offset: number; length: number }): Promise<{ offset: number; size: number; payload: Buffer }> {
    const t = this.held(worker, p.forTask, p.attempt);
    const input = this.jobs.task(p.taskId);
    if (!input || input.videoId !== t.videoId || !t.deps.includes(input.key) || input.state !== 'done') throw new WatchpartyError('UNKNOWN_TASK', `task ${p.taskId} is not an input of task ${t.id}`);
    const { size, payload } = await this.files.read(p.taskId, p.output ?? 0, p.offset, p.length);
    return { offset: p.offset, size, payload };
  }

  /** The probe is in: plan the ladder from what it found (adding nothing that is planned already). */
  private afterProbe(videoId: number, facts: SourceFacts): void {
    this.jobs.setFacts(videoId, facts);
    const { renditions, tasks } = tasksFor(facts);
    const byRung = new Map(renditions.map((r) => [r.rung, r]));
    const keyframeFrames = Math.max(1, Math.round((PLAN_RULES.keyframeMs / 1000) * (facts.fps.num / facts.fps.den)));
    const { columns, rows } = PLAN_RULES.spriteTiles;
    const seconds = facts.durationMs / 1000;
    this.jobs.addTasks(
      videoId,
      tasks.map((t) => {
        const r = t.rung ? byRung.get(t.rung) : undefined;
        const size = r ? { width: r.width, height: r.height } : {};
        if (t.kind === 'segment') {
          const rungs = renditions.map((x) => ({ rung: x.rung, width: x.width, height: x.height, videoBps: x.videoBps }));
          return { ...t, spec: { seekSeconds: seekSecondsFor(t.segment!.startFrame, facts.fps, facts.videoStartMs), frames: t.segment!.frames, fps: facts.fps, rungs, keyframeFrames } };
        }
        if (t.kind === 'audio') return { ...t, spec: { audioRungs: renditions.map((x) => ({ rung: x.rung, audioBps: x.audioBps })) } };
        if (t.kind === 'assemble') return { ...t, spec: { ...size, fps: facts.fps, frames: facts.frames, videoOffsetSeconds: (facts.videoStartMs ?? 0) / 1000 } };
        if (t.kind === 'poster') return { ...t, spec: { atSeconds: Math.min(seconds / 10, 30), tileWidth: 640 } };
        return { ...t, spec: { everySeconds: Math.max(0.1, seconds / (columns * rows)), columns, rows, tileWidth: 160 } };
      }),
    );
    this.log.info(`#${videoId}: ${facts.width}x${facts.height}, ${facts.frames} frames → ${renditions.map((r) => r.rung).join(', ')} in ${tasks.filter((t) => t.kind === 'segment').length} segment tasks`);
  }

  private storeRendition(t: StoredTask, nowMs: number): RenditionInfo | undefined {
    const facts = this.jobs.facts(t.videoId);
    const planned = facts ? ladderFor(facts).find((r) => r.rung === t.rung) : undefined;
    const video = this.store.video(t.videoId);
    const out = t.outputs[0];
    if (!planned || !video || !t.rung || !out) return undefined;
    const row = this.jobs.addRendition({ videoId: t.videoId, rung: t.rung, taskId: t.id, width: planned.width, height: planned.height, bps: planned.videoBps + planned.audioBps, size: out.size, sha256: out.sha256, createdMs: nowMs });
    return this.renditionInfo(row, video);
  }

  renditionInfo(r: RenditionRow, video: Pick<VideoRow, 'name'>): RenditionInfo {
    const stem = video.name.replace(/\.[^.]{1,8}$/, '');
    return { id: r.id, videoId: r.videoId, rung: r.rung, name: `${stem}.${r.rung}.mkv`.slice(0, 420), width: r.width, height: r.height, bps: r.bps, size: r.size, sha256: r.sha256, replicas: this.hooks.renditionReplicas(r.id) };
  }

  /** Every rendition (of one video), best first. */
  renditionInfos(videoId?: number): RenditionInfo[] {
    const names = new Map(this.store.videos().map((v) => [v.id, v]));
    return this.jobs.renditions(videoId).flatMap((r) => (names.has(r.videoId) ? [this.renditionInfo(r, names.get(r.videoId)!)] : []));
  }

  async readRendition(id: number, offset: number, length: number): Promise<{ offset: number; size: number; payload: Buffer }> {
    const r = this.jobs.rendition(id);
    if (!r) throw new WatchpartyError('UNKNOWN_VIDEO', `no rendition #${id}`);
    if (!fs.existsSync(this.renditionPath(id))) throw new WatchpartyError('NOT_READY', `central is restoring rendition #${id} from the subs; try again shortly`);
    const { size, payload } = await this.files.read(r.taskId, 0, offset, length);
    return { offset, size, payload };
  }

  /** Where central keeps rendition `id` (the accepted output of its assemble task). */
  renditionPath(id: number): string {
    return this.files.out(this.jobs.rendition(id)?.taskId ?? 0, 0);
  }
}
