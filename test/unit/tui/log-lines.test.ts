import { describe, expect, it } from 'vitest';
import { logWindow, wrapText } from '../../../src/tui/log-lines.js';
import { displayWidth } from '../../../src/tui/width.js';
import type { LogRecord } from '../../../src/core/log.js';

const rec = (message: string, atMs = 0): LogRecord => ({ atMs, level: 'info', scope: 's', message, fields: {} }) as LogRecord;

describe('wrapText', () => {
  it.each<[string, string, number, string[]]>([
    ['fits', 'abc', 5, ['abc']],
    ['exactly', 'abcde', 5, ['abcde']],
    ['two lines', 'abcdefg', 5, ['abcde', 'fg']],
    ['empty text is one empty line', '', 5, ['']],
    ['a wide character never straddles two lines', 'ab夏祭', 3, ['ab', '夏', '祭']],
    ['combining accents stay with their letter', 'Fe\u0302te', 2, ['Fe\u0302', 'te']],
  ])('%s', (_what, text, width, lines) => {
    const out = wrapText(text, width);
    expect(out).toEqual(lines);
    for (const l of out) expect(displayWidth(l)).toBeLessThanOrEqual(width);
  });
});

describe('logWindow', () => {
  const records = [rec('one'), rec('a long second record'), rec('three')];
  it('clips each record to one line unless wrapping, newest at the bottom', () => {
    expect(logWindow(records, 5, 0, 10, false).map((l) => l.text)).toEqual(['s one', 's a long …', 's three']);
  });
  it('wraps records onto more lines, marking the first line of each', () => {
    const lines = logWindow(records, 5, 0, 10, true);
    expect(lines.map((l) => [l.text, l.first])).toEqual([
      ['s one', true],
      ['s a long s', true],
      ['econd reco', false],
      ['rd', false],
      ['s three', true],
    ]);
  });
  it('a window that starts inside a wrapped record shows its last lines; offset counts records', () => {
    expect(logWindow(records, 3, 0, 10, true).map((l) => l.text)).toEqual(['econd reco', 'rd', 's three']);
    expect(logWindow(records, 2, 1, 10, true).map((l) => l.text)).toEqual(['econd reco', 'rd']);
    expect(logWindow(records, 5, 3, 10, true)).toEqual([]);
  });
  it('a 10 kB record wraps onto at most 50 lines', () => {
    expect(logWindow([rec('x'.repeat(10_000))], 500, 0, 10, true)).toHaveLength(50);
  });
});
