import { describe, expect, it } from 'vitest';
import { HealthBook } from '../../src/roles/central/room-health.js';

const report = { state: 'playing' as const, bufferedMs: 5000, eof: false };

describe('HealthBook.takeDue', () => {
  it('sends a room once per interval at most, and only when its reports changed', () => {
    const book = new HealthBook();
    book.record('r1', 'ann', report, 0);
    expect(book.takeDue(0, 1000)).toEqual(['r1']);
    expect(book.takeDue(100, 1000)).toEqual([]);
    book.record('r1', 'bob', report, 200);
    // Changed, but pushed 300 ms ago: it waits for its interval, then goes once.
    expect(book.takeDue(300, 1000)).toEqual([]);
    expect(book.takeDue(1000, 1000)).toEqual(['r1']);
    expect(book.takeDue(2500, 1000)).toEqual([]);
  });

  it('spreads rooms over the interval as their reports come, instead of one burst', () => {
    const book = new HealthBook();
    const due: string[][] = [];
    // Ticks every 100 ms, each room reporting every second at its own phase.
    for (let t = 0; t < 3000; t += 100) {
      for (let i = 0; i < 10; i++) if (t % 1000 === i * 100) book.record(`r${i}`, 'ann', report, t);
      due.push(book.takeDue(t, 1000));
    }
    expect(Math.max(...due.map((d) => d.length))).toBe(1);
    expect(due.flat().filter((id) => id === 'r3')).toHaveLength(3);
  });

  it('forgets a closed room entirely', () => {
    const book = new HealthBook();
    book.record('r1', 'ann', report, 0);
    book.forget('r1');
    expect(book.takeDue(0, 1000)).toEqual([]);
    book.record('r1', 'ann', report, 10);
    expect(book.takeDue(10, 1000)).toEqual(['r1']);
  });
});
