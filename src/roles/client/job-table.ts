/** The job list as rows of text, shared by `watchparty jobs` and the TUIs (pure). */
import type { JobLine } from '../../net/job-messages.js';

const seconds = (ms: number | undefined) => (ms === undefined ? '' : `${(ms / 1000).toFixed(1)} s`);

/** Header and one row per task: id, video, kind, rendition, worker, state, attempts, size, time. */
export function jobRows(tasks: readonly JobLine[], bytes: (n: number) => string): string[][] {
  return [
    ['ID', 'VIDEO', 'KIND', 'RENDITION', 'WORKER', 'STATE', 'TRIES', 'SIZE', 'TIME'],
    ...tasks.map((t) => [
      String(t.taskId),
      t.video,
      t.kind + (t.segment !== undefined ? ` ${t.segment}` : ''),
      t.rung ?? '',
      t.worker ?? '',
      t.state === 'running' && t.progress !== undefined ? `running ${Math.floor(t.progress * 100)}%` : t.state,
      String(t.attempts),
      t.size !== undefined ? bytes(t.size) : '',
      seconds(t.durationMs),
    ]),
  ];
}

/** Nothing left to happen: no task waiting, queued or running. */
export function jobsSettled(tasks: readonly JobLine[]): boolean {
  return tasks.every((t) => t.state !== 'waiting' && t.state !== 'queued' && t.state !== 'running');
}

export { processingText } from '../shared/job-plan.js';
