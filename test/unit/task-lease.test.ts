import { describe, expect, it } from 'vitest';
import { accept, cancelled, failed, holds, lapsed, lease, LEASE_RULES, nextTask, renew, retried, shownState, takeable, type TaskRow } from '../../src/roles/shared/task-lease.js';

const RUNGS = ['720p', '480p', '240p'];
let ids = 0;
const task = (key: string, over: Partial<TaskRow> = {}): TaskRow => {
  const [kind, part] = key.split(':') as [TaskRow['kind'], string | undefined];
  const rung = part?.endsWith('p') ? part : undefined;
  return { id: ++ids, videoId: 1, key, kind, rung: rung ?? null, state: 'queued', attempts: 0, failures: 0, worker: null, leaseUntilMs: null, notBeforeMs: 0, startedMs: null, finishedMs: null, size: null, error: null, deps: key === 'probe' ? [] : ['probe'], ...over };
};

describe('which task a worker gets next', () => {
  it('the probe first; nothing that needs it before it is done', () => {
    const tasks = [task('segment:0'), task('probe'), task('poster')];
    expect(nextTask(tasks, 0, RUNGS)?.key).toBe('probe');
    const running = [lease(tasks[1]!, 'sub-1', 0), tasks[0]!, tasks[2]!];
    expect(nextTask(running, 1000, RUNGS)).toBeUndefined();
  });

  it('then the segments and audio, the assembles from the lightest rung up, previews last', () => {
    const probe = accept(lease(task('probe'), 'sub-1', 0), 10, 100);
    const seg0 = task('segment:0');
    const audio240 = task('audio');
    const asm720 = task('assemble:720p', { deps: ['segment:0'] });
    const asm240 = task('assemble:240p', { deps: ['segment:0', 'audio'] });
    const poster = task('poster');
    const order: string[] = [];
    let tasks = [probe, poster, asm720, asm240, audio240, seg0];
    for (let t = 100; t < 1000; t += 100) {
      const next = nextTask(tasks, t, RUNGS);
      if (!next) break;
      order.push(next.key);
      tasks = tasks.map((x) => (x.id === next.id ? accept(lease(x, 'sub-1', t), t + 1, 1) : x));
    }
    expect(order).toEqual(['segment:0', 'audio', 'assemble:240p', 'assemble:720p', 'poster']);
  });

  it('skips what this worker cannot run (it lacks the source), and what backs off', () => {
    const probe = accept(lease(task('probe'), 'sub-1', 0), 10, 100);
    const a = task('segment:0', { notBeforeMs: 5000 });
    const b = task('segment:1');
    expect(nextTask([probe, a, b], 1000, RUNGS)?.key).toBe('segment:1');
    expect(nextTask([probe, a, b], 1000, RUNGS, (t) => t.key !== 'segment:1')).toBeUndefined();
    expect(nextTask([probe, a, b], 5000, RUNGS, (t) => t.key !== 'segment:1')?.key).toBe('segment:0');
  });
});

describe('leases', () => {
  it('a lease that runs out is a failed attempt: queued after a backoff, then handed out as the next attempt; the first holder can no longer renew or finish', () => {
    const first = lease(task('probe'), 'sub-1', 0);
    expect(first).toMatchObject({ state: 'running', worker: 'sub-1', attempts: 1, leaseUntilMs: LEASE_RULES.leaseMs });
    expect(renew(first, 'sub-1', 1, 5000)!.leaseUntilMs).toBe(5000 + LEASE_RULES.leaseMs);
    expect(lapsed(first, LEASE_RULES.leaseMs - 1)).toBe(first);
    // Until central hands it out again, the holder may carry on (a central restart cut it off, say).
    expect(renew(first, 'sub-1', 1, LEASE_RULES.leaseMs + 5)!.leaseUntilMs).toBe(2 * LEASE_RULES.leaseMs + 5);
    const out = lapsed(first, LEASE_RULES.leaseMs);
    expect(out).toMatchObject({ state: 'queued', failures: 1, worker: null, notBeforeMs: LEASE_RULES.leaseMs + LEASE_RULES.backoffBaseMs });
    expect(out.error).toMatch(/sub-1 stopped renewing the lease of attempt 1/);
    expect(takeable(out, new Set(), LEASE_RULES.leaseMs + LEASE_RULES.backoffBaseMs - 1)).toBe(false);
    const second = lease(out, 'sub-2', LEASE_RULES.leaseMs + LEASE_RULES.backoffBaseMs);
    expect(second).toMatchObject({ worker: 'sub-2', attempts: 2 });
    expect(renew(second, 'sub-1', 1, LEASE_RULES.leaseMs + 1)).toBeUndefined();
    expect(holds(second, 'sub-1', 1)).toBe(false);
    expect(holds(second, 'sub-2', 1)).toBe(false);
    expect(holds(second, 'sub-2', 2)).toBe(true);
  });

  it('a task whose every lease runs out (it kills its worker, say) fails at the last attempt instead of going round forever', () => {
    let t = task('probe');
    for (let n = 0; n < 10 && t.state !== 'failed'; n++) {
      const now = n * 1_000_000;
      t = lapsed(lease(t, `sub-${n}`, now), now + LEASE_RULES.leaseMs);
    }
    expect(t).toMatchObject({ state: 'failed', failures: LEASE_RULES.maxAttempts, attempts: LEASE_RULES.maxAttempts });
  });

  it('a retry keeps counting attempts, so an old run of the same worker cannot pass for the new one', () => {
    const old = lease(task('poster'), 'sub-1', 0);
    const again = lease(retried(old), 'sub-1', 10);
    expect(again.attempts).toBe(2);
    expect(holds(again, 'sub-1', 1)).toBe(false);
    expect(holds(again, 'sub-1', 2)).toBe(true);
  });

  it('failures back off 2 s, 4 s, 8 s, then the task fails with its last error', () => {
    let t = task('probe');
    const waits: number[] = [];
    for (let n = 0; n < LEASE_RULES.maxAttempts; n++) {
      const now = n * 100_000;
      t = failed(lease(t, 'sub-1', now), now + 10, `ffmpeg: broken ${n}`);
      if (t.state === 'queued') waits.push(t.notBeforeMs - (now + 10));
    }
    expect(waits).toEqual([2000, 4000, 8000]);
    expect(t).toMatchObject({ state: 'failed', attempts: LEASE_RULES.maxAttempts, failures: LEASE_RULES.maxAttempts, error: 'ffmpeg: broken 3' });
    expect(takeable(t, new Set(), 1e12)).toBe(false);
    expect(retried(t)).toMatchObject({ state: 'queued', attempts: LEASE_RULES.maxAttempts, failures: 0, error: null });
  });

  it('cancelling stops what is queued or running, and leaves what is done', () => {
    const done = accept(lease(task('probe'), 'sub-1', 0), 5, 10);
    expect(cancelled(done, 9).state).toBe('done');
    expect(cancelled(lease(task('poster'), 'sub-1', 0), 9)).toMatchObject({ state: 'cancelled', leaseUntilMs: null });
    expect(cancelled(task('sprite'), 9).state).toBe('cancelled');
  });

  it('reads as a person expects: waiting for its inputs, queued again once a lease ran out', () => {
    const seg = task('segment:0');
    expect(shownState(seg, new Set(), 0)).toBe('waiting');
    expect(shownState(seg, new Set(['probe']), 0)).toBe('queued');
    const leased = lease(seg, 'sub-1', 0);
    expect(shownState(leased, new Set(['probe']), 1)).toBe('running');
    expect(shownState(leased, new Set(['probe']), LEASE_RULES.leaseMs)).toBe('queued');
  });
});
