/**
 * Handing a finished task's outputs to central: each output in order, chunk by chunk, then `job.done`
 * with their sizes and hashes. A central that restarts or a link that drops meanwhile costs a wait,
 * not the work: chunks resume from where central says it has them, and `done` is asked again.
 */
import fsp from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WatchpartyError } from '../../core/errors.js';
import type { TaskSpec } from '../../net/job-messages.js';
import type { Params } from '../../net/messages.js';
import type { Peer } from '../../net/peer.js';
import { hashFile } from '../files.js';

const PUT_CHUNK_BYTES = 1024 * 1024;
/** How long to wait for central to come back before the attempt is given up. */
export const CENTRAL_WAIT_MS = 60_000;
/** Central checks every output (hash, then ffprobe) before it answers `done`. */
const DONE_TIMEOUT_MS = 600_000;

export interface Links {
  central(): Peer | undefined;
  bulk(): Peer | undefined;
}

/** Errors that say the link went, not that central refused. */
function transient(err: unknown): boolean {
  const code = (err as WatchpartyError).code;
  return code === 'DISCONNECTED' || code === 'TIMEOUT' || code === 'SUB_GONE';
}

/** Run `ask` on a live link, waiting (bounded) through drops and restarts; a refusal is thrown at once. */
export async function persist<T>(links: Links, bulk: boolean, signal: AbortSignal, ask: (peer: Peer) => Promise<T>): Promise<T> {
  const until = Date.now() + CENTRAL_WAIT_MS;
  for (;;) {
    if (signal.aborted) throw new Error('stopped: the task was taken back');
    const peer = (bulk ? links.bulk() : undefined) ?? links.central();
    if (peer && !peer.closed) {
      try {
        return await ask(peer);
      } catch (err) {
        if (!transient(err) || Date.now() > until) throw err;
      }
    } else if (Date.now() > until) throw new Error(`central has been gone for ${CENTRAL_WAIT_MS / 1000} s`);
    await sleep(500, undefined, { signal }).catch(() => {});
  }
}

/** Send each output, then say done; resolves once central accepted them. */
export async function deliverOutputs(links: Links, spec: TaskSpec, made: { files: string[]; cpuMs: number; facts?: Params<'job.done'>['facts'] }, signal: AbortSignal): Promise<void> {
  const outputs: { size: number; sha256: string }[] = [];
  for (const [output, file] of made.files.entries()) {
    const size = (await fsp.stat(file)).size;
    outputs.push({ size, sha256: await hashFile(file) });
    const fh = await fsp.open(file, 'r');
    try {
      const buf = Buffer.allocUnsafe(PUT_CHUNK_BYTES);
      for (let offset = 0; offset < size; ) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(PUT_CHUNK_BYTES, size - offset), offset);
        offset = await persist(links, true, signal, (peer) =>
          peer.request('job.put', { taskId: spec.taskId, attempt: spec.attempt, output, offset }, { payload: buf.subarray(0, bytesRead) }).then(
            (r) => r.offset,
            (err: WatchpartyError) => {
              // Central has a different amount (it restarted, or a chunk was lost with the link): go on from there.
              const have = (err.details as { offset?: unknown } | undefined)?.offset;
              if (err.code === 'BAD_INPUT' && typeof have === 'number' && have >= 0 && have <= size) return have;
              throw err;
            },
          ),
        );
      }
    } finally {
      await fh.close();
    }
  }
  const done: Params<'job.done'> = { taskId: spec.taskId, attempt: spec.attempt, outputs, cpuMs: made.cpuMs, ...(made.facts ? { facts: made.facts } : {}) };
  await persist(links, false, signal, (peer) => peer.request('job.done', done, { timeoutMs: DONE_TIMEOUT_MS }));
}
