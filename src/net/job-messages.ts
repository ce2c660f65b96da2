/**
 * The media-job part of the catalogue (messages.ts spreads these into its requests and events): the
 * lease protocol between central and its worker subs, the renditions subs replicate, and the job list
 * people read. Workers name every answer by task id and attempt, so a lease that moved on is refused.
 */
import * as z from 'zod';
import { Int, Ms, NonNegInt, Sha256, Text } from './fields.js';

export const RungName = z.string().regex(/^\d{2,4}p$/);
export const TaskKind = z.enum(['probe', 'segment', 'audio', 'assemble', 'poster', 'sprite']);
export const TaskId = Int.min(1);
const Attempt = Int.min(1).max(1000);
/** Which of a task's outputs (a segment has one per rung). */
const Output = Int.min(0).max(15);
/** What a worker made: each output's size and hash. */
const Outputs = z.array(z.object({ size: NonNegInt, sha256: Sha256 })).max(16);
const Fps = z.object({ num: Int.min(1).max(1_000_000), den: Int.min(1).max(1_000_000) });

/** Everything a worker needs to run one task; which fields are set depends on the kind. */
export const TaskSpec = z.object({
  taskId: TaskId,
  attempt: Attempt,
  videoId: Int.min(1),
  kind: TaskKind,
  rung: RungName.optional(),
  /** Renew the lease well within this (a third of it is the worker's rhythm). */
  leaseMs: Ms,
  /**
   * segment: seek here (seconds: just past its first frame, a keyframe of the source; only an indexed
   * container is cut) and encode `frames` frames once for every rung, one output per rung in this order.
   */
  seekSeconds: z.string().regex(/^\d{1,7}(\.\d{1,6})?$/).optional(),
  frames: Int.min(1).max(100_000_000).optional(),
  fps: Fps.optional(),
  rungs: z.array(z.object({ rung: RungName, width: Int.min(2).max(16_384), height: Int.min(2).max(16_384), videoBps: Int.min(10_000).max(1_000_000_000) })).min(1).max(16).optional(),
  keyframeFrames: Int.min(1).max(100_000).optional(),
  /** assemble: the rendition's size. */
  width: Int.min(2).max(16_384).optional(),
  height: Int.min(2).max(16_384).optional(),
  /** audio: every audio stream of the source, decoded once, encoded for each rung at its bitrate (an output each). */
  audioRungs: z.array(z.object({ rung: RungName, audioBps: Int.min(8_000).max(1_000_000) })).min(1).max(16).optional(),
  /** assemble: where the first frame goes (seconds from the start), as in the source. */
  videoOffsetSeconds: z.number().min(0).max(86_400).optional(),
  /** assemble: the accepted outputs to join, in order (segments, then the audio). */
  inputs: z.array(z.object({ taskId: TaskId, output: Output, role: z.enum(['segment', 'audio']), size: NonNegInt, sha256: Sha256 })).max(100_000).optional(),
  /** poster: the frame at this second; sprite: one tile every `everySeconds`, `columns` × `rows`. */
  atSeconds: z.number().min(0).max(1e7).optional(),
  everySeconds: z.number().min(0.01).max(1e6).optional(),
  columns: Int.min(1).max(50).optional(),
  rows: Int.min(1).max(50).optional(),
  tileWidth: Int.min(16).max(1920).optional(),
});
export type TaskSpec = z.infer<typeof TaskSpec>;

/** What the probe task found (central checks it and plans the rest from it). */
export const ProbeFacts = z.object({
  width: Int.min(2).max(16_384),
  height: Int.min(2).max(16_384),
  fps: Fps,
  frames: Int.min(1).max(100_000_000),
  durationMs: NonNegInt,
  videoBps: Int.min(1).max(10_000_000_000).optional(),
  audioStreams: Int.min(0).max(64),
  subtitleStreams: Int.min(0).max(256),
  variableRate: z.boolean(),
  videoStartMs: NonNegInt.max(86_400_000).optional(),
  keyframes: z.array(NonNegInt).max(1_000_000).optional(),
  indexed: z.boolean().optional(),
});

/** A rendition of a video, as subs replicate it and clients choose it. */
export const RenditionInfo = z.object({
  id: Int.min(1),
  videoId: Int.min(1),
  rung: RungName,
  /** A file name for logs and the stream's content type (`movie.480p.mkv`). */
  name: Text(420),
  width: NonNegInt,
  height: NonNegInt,
  /** Video plus audio, bits per second (what a link must carry to play it). */
  bps: NonNegInt,
  size: NonNegInt,
  sha256: Sha256,
  /** Subs holding a verified replica of it. */
  replicas: NonNegInt,
});
export type RenditionInfo = z.infer<typeof RenditionInfo>;

/** How far a video's processing is. */
export const Processing = z.object({
  state: z.enum(['running', 'done', 'failed', 'cancelled']),
  done: NonNegInt,
  total: NonNegInt,
});

/** One line of the job list. */
export const JobLine = z.object({
  taskId: TaskId,
  videoId: Int.min(1),
  video: Text(400),
  kind: TaskKind,
  rung: RungName.optional(),
  segment: NonNegInt.optional(),
  state: z.enum(['waiting', 'queued', 'running', 'done', 'failed', 'cancelled']),
  worker: Text(64).optional(),
  attempts: NonNegInt,
  /** Bytes of the accepted output. */
  size: NonNegInt.optional(),
  /** Wall time of the accepted attempt, or of the running one so far. */
  durationMs: Ms.optional(),
  /** CPU time the accepted attempt cost its worker. */
  cpuMs: Ms.optional(),
  /** A running task's progress (0–1), as its worker last said. */
  progress: z.number().min(0).max(1).optional(),
  /** The last failure (ffmpeg's last lines), at most a few hundred characters. */
  error: Text(2000).optional(),
});
export type JobLine = z.infer<typeof JobLine>;

const Empty = z.object({});

export const jobRequests = {
  /** sub → central: a task for this worker, if one is due (`have`: the videos it holds verified replicas of). */
  'job.take': { params: z.object({ have: z.array(Int.min(1)).max(100_000) }), result: z.object({ task: TaskSpec.optional() }) },
  /** sub → central: still working on it; LEASE_LOST when the task went to another worker or was cancelled. */
  'job.renew': { params: z.object({ taskId: TaskId, attempt: Attempt, progress: z.number().min(0).max(1).optional() }), result: Empty },
  /** sub → central (bulk link): `offset` of one of the task's outputs (0 when it has one), as the payload. */
  'job.put': { params: z.object({ taskId: TaskId, attempt: Attempt, output: Output.optional(), offset: NonNegInt }), result: z.object({ offset: NonNegInt }) },
  /** sub → central: the outputs are all there; central checks them before it accepts them. `facts` for a probe. */
  'job.done': {
    params: z.object({ taskId: TaskId, attempt: Attempt, outputs: Outputs, cpuMs: Ms, facts: ProbeFacts.optional() }),
    result: Empty,
  },
  /** sub → central: the task failed here (ffmpeg's last lines). */
  'job.fail': { params: z.object({ taskId: TaskId, attempt: Attempt, error: Text(2000) }), result: Empty },
  /** sub → central (bulk link): bytes of an accepted output, an input of the caller's task. */
  'job.input': {
    params: z.object({ taskId: TaskId, output: Output.optional(), forTask: TaskId, attempt: Attempt, offset: NonNegInt, length: Int.min(1).max(8 * 1024 * 1024) }),
    result: z.object({ offset: NonNegInt, size: NonNegInt }),
  },
  /** sub → central: every rendition, for the sub's own replication. */
  'rendition.list': { params: Empty, result: z.object({ renditions: z.array(RenditionInfo).max(1_000_000) }) },
  /** sub → central: `length` bytes of a rendition from `offset`, as the reply's payload. */
  'rendition.chunk': {
    params: z.object({ renditionId: Int.min(1), offset: NonNegInt, length: Int.min(1).max(8 * 1024 * 1024) }),
    result: z.object({ offset: NonNegInt, size: NonNegInt }),
  },
  /** client → sub → central: the job list (of one video, or all). */
  'jobs.list': { params: z.object({ videoId: Int.min(1).optional() }), result: z.object({ tasks: z.array(JobLine).max(1_000_000) }) },
  /** client → sub → central: run a failed (or any) task again; the uploader, or an operator with the secret. */
  'jobs.retry': { params: z.object({ taskId: TaskId, secret: Text(1024).optional() }), result: Empty },
  /** client → sub → central: stop a video's processing; `replan` starts it afresh. */
  'jobs.cancel': { params: z.object({ videoId: Int.min(1), replan: z.boolean().optional(), secret: Text(1024).optional() }), result: z.object({ cancelled: NonNegInt }) },
} as const;

export const jobEvents = {
  /** central → subs: there is work (idle workers ask at once instead of at their next poll). */
  'job.available': Empty,
  /** central → subs: a rendition is ready; replicate it. */
  'rendition.added': z.object({ rendition: RenditionInfo }),
} as const;
