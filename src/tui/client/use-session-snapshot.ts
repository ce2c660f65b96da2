/** The session's snapshot as React state, re-read at most once per frame. */
import { useEffect, useReducer } from 'react';
import type { ClientSession, ClientSnapshot } from '../client-session.js';

/** At most one frame per this many ms (~15/s): a burst of progress or sync updates becomes one render. */
export const FRAME_MS = 66;

/** Subscribe to `session` and return its latest snapshot, re-rendering at most every FRAME_MS. */
export function useSessionSnapshot(session: ClientSession): ClientSnapshot {
  const [, bump] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    let timer: NodeJS.Timeout | undefined;
    const changed = () => {
      timer ??= setTimeout(() => {
        timer = undefined;
        bump();
      }, FRAME_MS);
    };
    const unsubscribe = session.subscribe(changed);
    return () => {
      clearTimeout(timer);
      unsubscribe();
    };
  }, [session]);
  return session.snapshot();
}
