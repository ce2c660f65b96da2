/**
 * A connection's requests awaiting their replies: ids, timeouts, and settling each exactly once
 * (by its reply, its timeout, a failed send, or the connection closing).
 */
import type { RequestName } from './messages.js';

/** What a request settles with: the reply's result (not yet checked against its schema) and payload. */
export interface Answer {
  result: unknown;
  payload: Buffer | undefined;
}

export interface Pending {
  type: RequestName;
  resolve: (r: Answer) => void;
  reject: (e: Error) => void;
}

interface Entry extends Pending {
  timer: NodeJS.Timeout;
}

export class PendingRequests {
  private nextId = 1;
  private readonly entries = new Map<number, Entry>();

  /** A new request of `type`: its id, and a promise that `timedOut()` rejects after `timeoutMs`. */
  open(type: RequestName, timeoutMs: number, timedOut: () => Error): { id: number; answer: Promise<Answer> } {
    const id = this.nextId++;
    const answer = new Promise<Answer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.entries.delete(id);
        reject(timedOut());
      }, timeoutMs);
      this.entries.set(id, { type, resolve, reject, timer });
    });
    return { id, answer };
  }

  /** The request `id` answers, now settled by the caller; undefined for a late or unknown id. */
  take(id: number): Pending | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    this.entries.delete(id);
    clearTimeout(entry.timer);
    return entry;
  }

  /** Reject one request (its send failed). */
  fail(id: number, err: Error): void {
    this.take(id)?.reject(err);
  }

  /** Reject every request still waiting (the connection closed). */
  failAll(err: () => Error): void {
    for (const id of [...this.entries.keys()]) this.fail(id, err());
  }
}
