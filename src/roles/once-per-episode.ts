/**
 * Run periodic duties so that one that throws (or whose promise rejects) is logged once per failure
 * episode (first failure, then one line when it works again) instead of once per tick, and never takes
 * the process down.
 */
import { isDiskFull } from '../core/errors.js';
import type { Logger } from '../core/log.js';

/** A runner for named duties; `what` names the duty in the log ("upload-lease sweep"). */
export type Guard = (what: string, duty: () => void | Promise<void>) => void;

/** Create a guard that logs through `log`. */
export function oncePerEpisode(log: Logger): Guard {
  const failing = new Map<string, number>();
  const failed = (what: string, err: unknown) => {
    const n = failing.get(what) ?? 0;
    failing.set(what, n + 1);
    if (n > 0) return;
    if (isDiskFull(err)) log.error(`${what} failed: the disk is full (${(err as Error).message}); retrying quietly until it works`);
    else log.error(`${what} failed: ${(err as Error).stack ?? String(err)}; retrying quietly until it works`);
  };
  const worked = (what: string) => {
    const n = failing.get(what);
    if (n !== undefined) {
      failing.delete(what);
      log.info(`${what} works again after ${n} failed ${n === 1 ? 'run' : 'runs'}`);
    }
  };
  return (what, duty) => {
    let out: void | Promise<void>;
    try {
      out = duty();
    } catch (err) {
      failed(what, err);
      return;
    }
    if (out instanceof Promise) out.then(() => worked(what), (err: unknown) => failed(what, err));
    else worked(what);
  };
}
