import { describe, expect, it } from 'vitest';
import { Gate } from '../../src/core/gate.js';

/** A job that finishes when told to, recording when it started. */
function job(log: string[], name: string) {
  let finish!: (v: string) => void;
  let fail!: (e: Error) => void;
  const done = new Promise<string>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  return {
    run: () => {
      log.push(`start ${name}`);
      return done;
    },
    finish: () => finish(name),
    fail: () => fail(new Error(`${name} failed`)),
  };
}

const full = () => new Error('full');
const turn = () => new Promise((r) => setImmediate(r));

describe('Gate', () => {
  it('runs at most `limit` jobs at once, the rest in the order they came', async () => {
    const log: string[] = [];
    const gate = new Gate(2, 10);
    const jobs = ['a', 'b', 'c', 'd'].map((n) => job(log, n));
    const results = jobs.map((j) => gate.run(j.run, full));
    await turn();
    expect(log).toEqual(['start a', 'start b']);
    expect(gate.queued).toBe(2);
    jobs[1]!.finish();
    await turn();
    expect(log).toEqual(['start a', 'start b', 'start c']);
    jobs[0]!.finish();
    await turn();
    expect(log).toEqual(['start a', 'start b', 'start c', 'start d']);
    jobs[2]!.finish();
    jobs[3]!.finish();
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c', 'd']);
    expect(gate.queued).toBe(0);
  });

  it('refuses at once when `maxWaiting` already wait, without running the job', async () => {
    const log: string[] = [];
    const gate = new Gate(1, 1);
    const a = job(log, 'a');
    const b = job(log, 'b');
    const c = job(log, 'c');
    const ra = gate.run(a.run, full);
    const rb = gate.run(b.run, full);
    await expect(gate.run(c.run, full)).rejects.toThrow('full');
    a.finish();
    b.finish();
    await Promise.all([ra, rb]);
    expect(log).toEqual(['start a', 'start b']);
  });

  it('a failed job passes its turn on, and its error to its caller', async () => {
    const log: string[] = [];
    const gate = new Gate(1, 5);
    const a = job(log, 'a');
    const b = job(log, 'b');
    const ra = gate.run(a.run, full);
    const rb = gate.run(b.run, full);
    a.fail();
    await expect(ra).rejects.toThrow('a failed');
    await turn();
    expect(log).toEqual(['start a', 'start b']);
    b.finish();
    expect(await rb).toBe('b');
    // The slot is free again: a new job starts at once.
    const c = job(log, 'c');
    const rc = gate.run(c.run, full);
    await turn();
    expect(log.at(-1)).toBe('start c');
    c.finish();
    await rc;
  });
});
