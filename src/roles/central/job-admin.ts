/**
 * What people do with the media jobs: read the job list, see a video's progress, retry a task, cancel
 * (and re-plan) a video's processing; and what deleting a video does to its jobs. Retrying and
 * cancelling are for the uploader, or an operator with the cluster secret (as deleting is).
 */
import { WatchpartyError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { JobLine } from '../../net/job-messages.js';
import { cancelled, retried, shownState } from '../shared/task-lease.js';
import type { JobStore, StoredTask } from './job-store.js';
import type { JobService } from './jobs.js';
import type { CentralStore } from './store.js';

export interface JobAdminDeps {
  store: CentralStore;
  jobs: JobStore;
  service: JobService;
  log: Logger;
  /** Whether `user` may act on `videoId`'s processing (its uploader, or holding the secret). */
  mayManage(user: string, videoId: number, secret: string | undefined): boolean;
}

/** The job list: every task (of one video), oldest video first, in plan order. */
export function jobList(d: Pick<JobAdminDeps, 'store' | 'jobs' | 'service'>, videoId?: number, nowMs = Date.now()): JobLine[] {
  const names = new Map(d.store.videos().map((v) => [v.id, v.name]));
  const tasks = videoId === undefined ? d.jobs.allTasks() : d.jobs.tasksOf(videoId);
  const doneKeys = new Map<number, Set<string>>();
  for (const t of tasks) if (t.state === 'done') doneKeys.set(t.videoId, (doneKeys.get(t.videoId) ?? new Set()).add(t.key));
  return tasks.flatMap((t) => {
    const video = names.get(t.videoId);
    if (video === undefined) return [];
    const state = shownState(t, doneKeys.get(t.videoId) ?? new Set(), nowMs) as JobLine['state'];
    const ran = t.startedMs !== null ? (t.finishedMs ?? (state === 'running' ? nowMs : t.startedMs)) - t.startedMs : undefined;
    return [
      {
        taskId: t.id,
        videoId: t.videoId,
        video,
        kind: t.kind,
        ...(t.rung ? { rung: t.rung } : {}),
        ...(t.segment !== null ? { segment: t.segment } : {}),
        state,
        ...(t.worker && state !== 'queued' && state !== 'waiting' ? { worker: t.worker } : {}),
        attempts: t.attempts,
        ...(t.size !== null && state === 'done' ? { size: t.size } : {}),
        ...(ran !== undefined && ran >= 0 && (state === 'done' || state === 'running') ? { durationMs: ran } : {}),
        ...(t.cpuMs !== null && state === 'done' ? { cpuMs: t.cpuMs } : {}),
        ...(state === 'running' && d.service.progressOf(t.id) !== undefined ? { progress: d.service.progressOf(t.id)! } : {}),
        ...(t.error ? { error: t.error.slice(-2000) } : {}),
      },
    ];
  });
}

/** How far a video's processing is (undefined: never planned). */
export function processingOf(jobs: JobStore, videoId: number): { state: 'running' | 'done' | 'failed' | 'cancelled'; done: number; total: number } | undefined {
  const counts = jobs.countByState(videoId);
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  if (total === 0) return undefined;
  const done = counts.get('done') ?? 0;
  const state = (counts.get('failed') ?? 0) > 0 ? 'failed' : (counts.get('cancelled') ?? 0) > 0 ? 'cancelled' : done === total ? 'done' : 'running';
  return { state, done, total };
}

function manageable(d: JobAdminDeps, user: string, videoId: number, secret: string | undefined): void {
  const video = d.store.video(videoId);
  if (!video) throw new WatchpartyError('UNKNOWN_VIDEO', `no video #${videoId}`);
  if (!d.mayManage(user, videoId, secret)) throw new WatchpartyError('NOT_ALLOWED', `only ${video.uploader}, who uploaded "${video.name}", or an operator can change its processing`);
}

/** Run a task again, with everything that used its output (and any input whose output is gone). */
export function retryTask(d: JobAdminDeps, user: string, taskId: number, secret: string | undefined): void {
  const t = d.jobs.task(taskId);
  if (!t) throw new WatchpartyError('UNKNOWN_TASK', `no task ${taskId}`);
  manageable(d, user, t.videoId, secret);
  const all = d.jobs.tasksOf(t.videoId);
  const again = new Set<StoredTask>([t]);
  // Downstream: whatever was made from this task's output is made again from the new one.
  for (let frontier: StoredTask[] = [t]; frontier.length > 0; ) {
    const keys = new Set(frontier.map((f) => f.key));
    frontier = all.filter((x) => !again.has(x) && x.deps.some((k) => keys.has(k)));
    for (const x of frontier) again.add(x);
  }
  // Upstream: an input of anything queued again whose accepted output was tidied away is made again too.
  const byKey = new Map(all.map((x) => [x.key, x]));
  const gone = (x: StoredTask) => x.state === 'done' && x.kind !== 'probe' && d.service.files.size(d.service.files.out(x.id)) < 0;
  for (let frontier = [...again]; frontier.length > 0; ) {
    frontier = frontier.flatMap((x) => x.deps.map((k) => byKey.get(k)).filter((dep): dep is StoredTask => dep !== undefined && !again.has(dep) && gone(dep)));
    for (const x of frontier) again.add(x);
  }
  for (const x of again) {
    if (x.state === 'running') d.service.files.removeParts(x.id, x.attempts);
    d.jobs.save(retried(x));
  }
  d.log.info(`${user} asked for task ${taskId} (${t.key} of #${t.videoId}) again: ${again.size} task(s) queued`);
}

/** Stop a video's processing; with `replan`, throw its tasks and renditions away and plan it afresh. */
export function cancelJob(d: JobAdminDeps, user: string, videoId: number, replan: boolean, secret: string | undefined): number {
  manageable(d, user, videoId, secret);
  const tasks = d.jobs.tasksOf(videoId);
  const stopped = tasks.filter((t) => t.state === 'queued' || t.state === 'running');
  for (const t of stopped) {
    d.jobs.save(cancelled(t, Date.now()));
    if (t.state === 'running') d.service.files.removeParts(t.id, t.attempts);
  }
  d.log.info(`${user} cancelled the processing of #${videoId} (${stopped.length} task(s) stopped)${replan ? '; planning it afresh' : ''}`);
  if (replan) {
    forgetVideo(d, videoId);
    d.service.plan(d.store.video(videoId)!);
  }
  return stopped.length;
}

/** A video is gone (deleted, or planned afresh): its tasks, outputs and renditions go with it. */
export function forgetVideo(d: Pick<JobAdminDeps, 'jobs' | 'service'>, videoId: number): void {
  const ids = d.jobs.tasksOf(videoId).map((t) => t.id);
  d.jobs.deleteRenditions(videoId);
  d.jobs.deleteTasks(videoId);
  d.service.files.removeTasks(ids);
}
