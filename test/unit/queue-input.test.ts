import { describe, expect, it } from 'vitest';
import { parseQueueInput } from '../../src/tui/client/queue-input.js';

describe('the queue field', () => {
  it.each([
    { text: 'next', want: { op: 'next' } },
    { text: ' rm 2 ', want: { op: 'remove', index: 1 } },
    { text: 'MV 3 1', want: { op: 'move', index: 2, to: 0 } },
    { text: 'accept 1', want: { op: 'accept', index: 0 } },
    { text: 'reject 4', want: { op: 'reject', index: 3 } },
  ])('"$text"', ({ text, want }) => {
    expect(parseQueueInput(text)).toEqual(want);
  });

  it.each(['', 'rm', 'rm 0', 'rm x', 'mv 1', 'next 2', 'shuffle', 'accept -1', 'rm 1e3'])('"%s" says what to type instead', (text) => {
    expect(parseQueueInput(text)).toHaveProperty('error');
  });
});
