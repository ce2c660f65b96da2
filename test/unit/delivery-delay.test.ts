import { describe, expect, it } from 'vitest';
import { DELIVERY, deliveryMs, EMPTY_DELIVERY, heard, type DeliveryWindow } from '../../src/player/delivery-delay.js';

/** Feed [sentAtMs, arrivedAtMs] pairs in order. */
const feed = (pairs: [number, number][], w: DeliveryWindow = EMPTY_DELIVERY) => pairs.reduce((acc, [sent, at]) => heard(acc, sent, at), w);

describe('delivery delay: how late the room news reaches a member', () => {
  it.each([
    { name: 'nothing heard', pairs: [] as [number, number][], at: 1000, want: undefined },
    { name: 'one message 12 ms late', pairs: [[1000, 1012]] as [number, number][], at: 1012, want: 12 },
    { name: 'the worst of the window, not the latest', pairs: [[1000, 1010], [2000, 2260], [3000, 3015]] as [number, number][], at: 3015, want: 260 },
    { name: 'a clock estimate a little ahead: never below zero', pairs: [[1000, 996]] as [number, number][], at: 996, want: 0 },
    { name: 'a delay past the cap is capped', pairs: [[0, 50_000]] as [number, number][], at: 50_000, want: DELIVERY.maxDelayMs },
  ])('$name', ({ pairs, at, want }) => {
    expect(deliveryMs(feed(pairs), at)).toBe(want);
  });

  it('forgets a queue once it has drained for a whole window', () => {
    const w = feed([[1000, 1300], [2000, 2005]]);
    expect(deliveryMs(w, 2005)).toBe(300);
    expect(deliveryMs(w, 1300 + DELIVERY.windowMs)).toBe(300);
    expect(deliveryMs(w, 1301 + DELIVERY.windowMs)).toBe(5);
    expect(deliveryMs(w, 2006 + DELIVERY.windowMs)).toBeUndefined();
  });

  it('keeps a bounded number of samples however fast messages come', () => {
    const pairs = Array.from({ length: 1000 }, (_, i) => [i, i + 1] as [number, number]);
    expect(feed(pairs).samples.length).toBe(DELIVERY.maxSamples);
  });
});
