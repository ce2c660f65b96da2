/**
 * The sub as a media worker: with a free slot (`sub --jobs N`) it asks central for a task, runs it on
 * its own verified replica of the source with ffmpeg (below its own priority: viewers come first),
 * renews the lease while it works, sends the output in order on the bulk link and says done; central
 * checks the output before it accepts it. A lost lease (the task went elsewhere, or was cancelled)
 * stops the ffmpeg at once.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Peer } from '../../net/peer.js';
import type { TaskSpec } from '../../net/job-messages.js';
import type { WatchpartyError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { hashFile } from '../files.js';
import { mainVideo, probeKeyframes, probeMedia, sourceFacts } from '../media-probe.js';
import { parseRate, PLAN_RULES } from '../shared/job-plan.js';
import { assembleArgs, audioArgs, concatList, posterArgs, segmentArgs, spriteArgs } from './ffmpeg-args.js';
import { runFfmpeg } from './run-ffmpeg.js';
import { deliverOutputs } from './task-delivery.js';

const INPUT_CHUNK_BYTES = 4 * 1024 * 1024;
/** Ask for work this often while a slot is free (and at once when central says there is some). */
const POLL_MS = 3000;

export interface WorkerDeps {
  slots: number;
  dataDir: string;
  log: Logger;
  central(): Peer | undefined;
  bulk(): Peer | undefined;
  /** The verified replica of a video here (undefined: not here, or not checked yet). */
  source(videoId: number): string | undefined;
  have(): number[];
  changed(): void;
}

/** What a task made: its output files, the probe's findings, and the CPU time. */
interface Made {
  files: string[];
  cpuMs: number;
  facts?: NonNullable<ReturnType<typeof sourceFacts>>;
}

/** A task this sub is running, for its TUI. */
export interface RunningTask {
  taskId: number;
  videoId: number;
  kind: TaskSpec['kind'];
  rung?: string;
  startedMs: number;
  /** 0–1, when ffmpeg says how far it is (segments, and the assemble). */
  progress?: number;
}

export class Worker {
  private readonly running = new Map<number, { task: RunningTask; abort: AbortController }>();
  private timer: NodeJS.Timeout | undefined;
  private asking = false;
  private lastHave = 0;
  private stopped = false;
  private readonly workDir: string;

  constructor(private readonly d: WorkerDeps) {
    this.workDir = path.join(d.dataDir, 'work');
    // Scratch from a run that stopped mid-task: its leases ran out, nothing of it can be used.
    fs.rmSync(this.workDir, { recursive: true, force: true });
  }

  /** Start asking for work (again after a re-registration: one timer, whatever the number of calls). */
  start(): void {
    if (this.d.slots <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.poll(), POLL_MS);
    this.timer.unref();
    void this.poll();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    for (const r of this.running.values()) r.abort.abort();
  }

  /** A replica was verified here: tasks on it may be ours now (ask at once, not at the next poll). */
  noticeReplicas(): void {
    const n = this.d.have().length;
    if (n <= this.lastHave) {
      this.lastHave = n;
      return;
    }
    this.lastHave = n;
    void this.poll();
  }

  tasks(): RunningTask[] {
    return [...this.running.values()].map((r) => r.task);
  }

  /** Ask for tasks while there are free slots and central has some. */
  async poll(): Promise<void> {
    if (this.asking || this.stopped || this.d.slots <= 0) return;
    this.asking = true;
    try {
      while (this.running.size < this.d.slots && !this.stopped) {
        const central = this.d.central();
        if (!central) return;
        const { task } = await central.request('job.take', { have: this.d.have() });
        if (!task) return;
        void this.run(task);
      }
    } catch (err) {
      this.d.log.debug(`asking central for a task failed: ${(err as Error).message}`);
    } finally {
      this.asking = false;
    }
  }

  private async run(spec: TaskSpec): Promise<void> {
    const abort = new AbortController();
    const task: RunningTask = { taskId: spec.taskId, videoId: spec.videoId, kind: spec.kind, ...(spec.rung ? { rung: spec.rung } : {}), startedMs: Date.now() };
    this.running.set(spec.taskId, { task, abort });
    this.d.changed();
    const label = `task ${spec.taskId} (${spec.kind}${spec.rung ? ' ' + spec.rung : ''} of #${spec.videoId}, attempt ${spec.attempt})`;
    this.d.log.info(`${label}: started`);
    // A third of the lease keeps it; every 2 s at most keeps the progress people see fresh.
    const renewer = setInterval(() => void this.renew(spec, abort, task.progress), Math.max(500, Math.min(2000, Math.floor(spec.leaseMs / 3))));
    const dir = path.join(this.workDir, `${spec.taskId}-${spec.attempt}`);
    const source = this.d.source(spec.videoId);
    try {
      if (!source) throw new Error(`this sub has no verified replica of video #${spec.videoId}`);
      await fsp.mkdir(dir, { recursive: true });
      const result = await this.execute(spec, source, dir, abort.signal, (frames) => {
        if (spec.frames) task.progress = Math.min(1, frames / spec.frames);
      });
      if (abort.signal.aborted) throw new Error('stopped: the task was taken back');
      await deliverOutputs(this.d, spec, result, abort.signal);
      this.d.log.info(`${label}: done in ${((Date.now() - task.startedMs) / 1000).toFixed(1)} s (${result.cpuMs} ms of CPU)`);
    } catch (err) {
      // The job list shows this to users: no paths of this machine in it.
      const message = (err as Error).message.split(dir).join('the work folder').split(source ?? '\0').join('the source').split(this.d.dataDir).join('the data folder');
      if (abort.signal.aborted || (err as WatchpartyError).code === 'LEASE_LOST') this.d.log.warn(`${label}: dropped (${message})`);
      else {
        this.d.log.warn(`${label}: failed: ${message.split('\n').pop()}`);
        await this.d.central()?.request('job.fail', { taskId: spec.taskId, attempt: spec.attempt, error: message.slice(-2000) }).catch(() => {});
      }
    } finally {
      clearInterval(renewer);
      this.running.delete(spec.taskId);
      await fsp.rm(dir, { recursive: true, force: true }).catch(() => {});
      this.d.changed();
      void this.poll();
    }
  }

  private async renew(spec: TaskSpec, abort: AbortController, progress: number | undefined): Promise<void> {
    try {
      await this.d.central()?.request('job.renew', { taskId: spec.taskId, attempt: spec.attempt, ...(progress !== undefined ? { progress } : {}) });
    } catch (err) {
      // Lost: stop now. Anything else (central restarting) may pass; the next renewal tells.
      if ((err as WatchpartyError).code === 'LEASE_LOST' || (err as WatchpartyError).code === 'UNKNOWN_TASK') abort.abort();
    }
  }

  /** Run the task; its output files (none for a probe, one per rung for a segment) and what it cost. */
  private async execute(spec: TaskSpec, source: string, dir: string, signal: AbortSignal, onFrames: (frames: number) => void): Promise<Made> {
    const out = path.join(dir, spec.kind === 'poster' || spec.kind === 'sprite' ? 'out.jpg' : 'out.mkv');
    const ff = async (args: string[], files: string[] = [out]) => ({ files, ...(await runFfmpeg(args, { cwd: dir, signal, onFrames })) });
    switch (spec.kind) {
      case 'probe': {
        const started = process.cpuUsage();
        const summary = await probeMedia(source);
        const rate = mainVideo(summary)?.rFrameRate ? parseRate(mainVideo(summary)!.rFrameRate) : undefined;
        // Cut points no closer than a segment: the plan would not use the others.
        const minGap = rate ? Math.floor((PLAN_RULES.segmentMs / 1000) * (rate.num / rate.den)) : 0;
        const facts = sourceFacts(summary, await probeKeyframes(source, minGap));
        if (!facts) throw new Error('ffprobe found no video stream with a frame rate and frames to count');
        const used = process.cpuUsage(started);
        return { files: [], facts, cpuMs: Math.round((used.user + used.system) / 1000) };
      }
      case 'segment': {
        const outs = (spec.rungs ?? []).map((_, k) => path.join(dir, `out-${k}.mkv`));
        return ff(segmentArgs(spec, source, outs), outs);
      }
      case 'audio': {
        const outs = (spec.audioRungs ?? []).map((_, k) => path.join(dir, `audio-${k}.mkv`));
        return ff(audioArgs(spec, source, outs), outs);
      }
      case 'poster':
        return ff(posterArgs(spec, source, out));
      case 'sprite':
        return ff(spriteArgs(spec, source, out));
      case 'assemble': {
        const inputs = spec.inputs ?? [];
        const names: string[] = [];
        for (const [i, input] of inputs.entries()) names.push(await this.fetchInput(spec, input, path.join(dir, `in-${i}.mkv`), signal));
        const segments = names.filter((_, i) => inputs[i]!.role === 'segment').map((f) => path.basename(f));
        const audio = names.find((_, i) => inputs[i]!.role === 'audio');
        await fsp.writeFile(path.join(dir, 'list.ffconcat'), concatList(segments));
        return ff(assembleArgs('list.ffconcat', audio ? path.basename(audio) : undefined, source, out, spec.videoOffsetSeconds ?? 0));
      }
    }
  }

  /** Download an accepted output this task needs, checking its hash. */
  private async fetchInput(spec: TaskSpec, input: NonNullable<TaskSpec['inputs']>[number], file: string, signal: AbortSignal): Promise<string> {
    const fh = await fsp.open(file, 'w');
    try {
      for (let offset = 0; offset < input.size; ) {
        if (signal.aborted) throw new Error('stopped: the task was taken back');
        const peer = this.d.bulk() ?? this.d.central();
        if (!peer) throw new Error('central is gone');
        const { payload } = await peer.requestWithPayload('job.input', { taskId: input.taskId, output: input.output, forTask: spec.taskId, attempt: spec.attempt, offset, length: Math.min(INPUT_CHUNK_BYTES, input.size - offset) });
        if (!payload || payload.length === 0) throw new Error(`input ${input.taskId} ended early at ${offset} bytes`);
        await fh.write(payload, 0, payload.length, offset);
        offset += payload.length;
      }
    } finally {
      await fh.close();
    }
    const sha = await hashFile(file);
    if (sha !== input.sha256) throw new Error(`input ${input.taskId} hashes to ${sha.slice(0, 12)}…, expected ${input.sha256.slice(0, 12)}…`);
    return file;
  }
}
