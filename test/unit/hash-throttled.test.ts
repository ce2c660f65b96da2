import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashFile, hashFileThrottled } from '../../src/roles/files.js';

const MiB = 1024 * 1024;
let dir: string;
let file: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wp-hash-'));
  file = path.join(dir, 'data');
  fs.writeFileSync(file, crypto.randomBytes(8 * MiB));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('hashFileThrottled', () => {
  it('gives the same digest as hashFile, no faster than the rate allows', async () => {
    const started = performance.now();
    const sha = await hashFileThrottled(file, () => 32 * MiB, new AbortController().signal);
    expect(performance.now() - started).toBeGreaterThanOrEqual(230); // 8 MiB at 32 MiB/s: 250 ms, minus the last chunk's slack
    expect(sha).toBe(await hashFile(file));
  });

  it('speeds up at once when the rate is raised mid-way (a client started waiting)', async () => {
    let rate = 1 * MiB; // 8 s for the whole file at this pace
    const started = performance.now();
    const sha = await hashFileThrottled(file, () => rate, new AbortController().signal, (done) => {
      if (done >= MiB) rate = 1024 * MiB;
    });
    expect(performance.now() - started).toBeLessThan(3000);
    expect(sha).toBe(await hashFile(file));
  });

  it('resolves undefined when aborted, reporting progress up to there', async () => {
    const abort = new AbortController();
    const seen: number[] = [];
    const sha = await hashFileThrottled(file, () => 8 * MiB, abort.signal, (done) => {
      seen.push(done);
      if (done >= 2 * MiB) abort.abort();
    });
    expect(sha).toBeUndefined();
    expect(seen).toEqual([MiB, 2 * MiB]);
  });
});
