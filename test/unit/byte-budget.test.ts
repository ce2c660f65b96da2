import { describe, expect, it } from 'vitest';
import { ByteBudget } from '../../src/net/peer.js';

describe('ByteBudget', () => {
  it('is over only past its limit, and wakes every waiter when a release brings it back under', () => {
    const b = new ByteBudget(10);
    const woken: string[] = [];
    const offA = b.onRelease(() => woken.push('a'));
    b.onRelease(() => woken.push('b'));
    b.take(10);
    expect(b.over).toBe(false);
    b.take(1);
    expect(b.over).toBe(true);
    b.release(0);
    expect(woken).toEqual([]);
    b.release(1);
    expect(woken).toEqual(['a', 'b']);
    offA();
    b.take(5);
    b.release(5);
    expect(woken).toEqual(['a', 'b', 'b']);
    expect(b.used).toBe(10);
  });
});
