/** The WatchpartyError `fn()` throws; fails the test if it throws nothing or something else. */
import { expect } from 'vitest';
import { WatchpartyError } from '../../src/core/errors.js';

export function thrown(fn: () => void): WatchpartyError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(WatchpartyError);
    return err as WatchpartyError;
  }
  throw new Error('expected a WatchpartyError');
}
