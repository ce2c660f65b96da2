/**
 * Where task outputs live on central: output k of an attempt arrives in `<jobs>/<task>.<attempt>.<k>.part`,
 * in order, and becomes `<jobs>/<task>.<k>.out` when accepted (a segment has one output per rung, the
 * other tasks one). A rendition is the accepted output of its assemble task, served from there to the
 * subs that replicate it. Nothing here decides anything.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { WatchpartyError } from '../../core/errors.js';

export class JobFiles {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = path.join(dataDir, 'jobs');
    fs.mkdirSync(this.dir, { recursive: true });
  }

  part(taskId: number, attempt: number, output = 0): string {
    return path.join(this.dir, `${taskId}.${attempt}.${output}.part`);
  }

  out(taskId: number, output = 0): string {
    return path.join(this.dir, `${taskId}.${output}.out`);
  }

  /** Append `payload` at `offset` of an attempt's output: only in order (a retried chunk at the current end is fine). */
  async put(taskId: number, attempt: number, output: number, offset: number, payload: Buffer, maxBytes: number): Promise<number> {
    const file = this.part(taskId, attempt, output);
    let have = 0;
    try {
      have = (await fsp.stat(file)).size;
    } catch {
      /* the first chunk */
    }
    if (offset !== have) throw new WatchpartyError('BAD_INPUT', `output chunk at ${offset}, but ${have} bytes are stored: send from ${have}`, { details: { offset: have } });
    if (offset + payload.length > maxBytes) throw new WatchpartyError('TOO_LARGE', `the output would pass ${maxBytes} bytes, more than this task can make`);
    const fh = await fsp.open(file, offset === 0 ? 'w' : 'r+');
    try {
      await fh.write(payload, 0, payload.length, offset);
    } finally {
      await fh.close();
    }
    return offset + payload.length;
  }

  size(file: string): number {
    try {
      return fs.statSync(file).size;
    } catch {
      return -1;
    }
  }

  /** Make an attempt's `count` outputs the task's accepted ones. */
  async accept(taskId: number, attempt: number, count: number): Promise<void> {
    for (let k = 0; k < count; k++) await fsp.rename(this.part(taskId, attempt, k), this.out(taskId, k));
  }

  /** `length` bytes of an accepted output from `offset`. */
  async read(taskId: number, output: number, offset: number, length: number): Promise<{ size: number; payload: Buffer }> {
    const file = this.out(taskId, output);
    const size = this.size(file);
    if (size < 0) throw new WatchpartyError('UNKNOWN_TASK', `task ${taskId} has no accepted output`);
    if (offset > size) throw new WatchpartyError('BAD_INPUT', `offset ${offset} is past the end (${size} bytes)`);
    const n = Math.min(length, size - offset);
    const buf = Buffer.allocUnsafe(n);
    const fh = await fsp.open(file, 'r');
    try {
      const { bytesRead } = await fh.read(buf, 0, n, offset);
      return { size, payload: buf.subarray(0, bytesRead) };
    } finally {
      await fh.close();
    }
  }

  /** Drop every file of these tasks (outputs and attempts in progress). */
  removeTasks(taskIds: Iterable<number>): void {
    const ids = new Set([...taskIds].map(String));
    if (ids.size === 0) return;
    for (const f of fs.readdirSync(this.dir)) if (ids.has(f.split('.')[0]!)) fs.rmSync(path.join(this.dir, f), { force: true });
  }

  /** Drop what one attempt has uploaded so far (it failed, lapsed, or was cancelled). */
  removeParts(taskId: number, attempt: number): void {
    this.removeStaleParts((id, a) => !(id === taskId && a === attempt));
  }

  /** Drop attempts in progress that can no longer be accepted (their lease moved on, or they were refused). */
  removeStaleParts(live: (taskId: number, attempt: number) => boolean): void {
    for (const f of fs.readdirSync(this.dir)) {
      const m = /^(\d+)\.(\d+)\.\d+\.part$/.exec(f);
      if (m && !live(Number(m[1]), Number(m[2]))) fs.rmSync(path.join(this.dir, f), { force: true });
    }
  }
}
