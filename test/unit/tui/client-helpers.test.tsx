import { describe, expect, it } from 'vitest';
import { clip, displayWidth, fitSegments, pad, spread } from '../../../src/tui/width.js';
import { parseClock } from '../../../src/tui/client/time-input.js';
import { candidateLabel, commonPrefix, complete } from '../../../src/tui/client/completion.js';
import { moveSelection, scrollTop, visibleWindow, windowLabel } from '../../../src/tui/client/list-window.js';
import { blockBar, percent, positionLine, signedMs } from '../../../src/tui/client/progress.js';
import { editText, tail } from '../../../src/tui/client/TextField.js';
import { splitKeys } from '../../../src/tui/client/keys.js';
import type { Key } from 'ink';

const noKey: Key = {
  upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
  return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false,
  super: false, hyper: false, capsLock: false, numLock: false,
};

describe('display width', () => {
  it.each([
    ['abc', 3],
    ['映画', 4],
    ['映画 — Fête.mkv', 15],
    ['e\u0301', 1],
    ['😀', 2],
    ['', 0],
  ])('%j is %i columns', (text, width) => {
    expect(displayWidth(text)).toBe(width);
  });

  it('clips by columns without splitting wide characters', () => {
    expect(clip('映画映画', 5)).toBe('映画…');
    expect(displayWidth(clip('映画映画', 5))).toBeLessThanOrEqual(5);
    expect(clip('abc', 3)).toBe('abc');
    expect(clip('abcd', 3)).toBe('ab…');
    expect(clip('abc', 0)).toBe('');
    expect(displayWidth(pad('映画 — Fête.mkv', 10))).toBe(10);
    expect(pad('ab', 4)).toBe('ab  ');
  });

  it('spreads left and right over exactly the width, left giving way', () => {
    expect(spread('left', 'right', 12)).toBe('left   right');
    expect(displayWidth(spread('x'.repeat(50), 'q quit', 20))).toBe(20);
    expect(spread('x'.repeat(50), 'q quit', 20).endsWith('q quit')).toBe(true);
  });

  it('fits styled segments into a width', () => {
    const out = fitSegments([{ text: 'abc' }, { text: 'defgh', color: 'red' }, { text: 'zzz' }], 6);
    expect(out.map((s) => s.text).join('')).toBe('abcde…');
    expect(out[1]?.color).toBe('red');
  });
});

describe('text editing', () => {
  it.each([
    ['ab', 'c', {}, 'abc'],
    ['ab', 'cd', {}, 'abcd'],
    ['ab', '', { backspace: true }, 'a'],
    ['映画', '', { backspace: true }, '映'],
    ['', '', { backspace: true }, ''],
    ['a/b c', 'w', { ctrl: true }, 'a/b '],
    ['abc', 'u', { ctrl: true }, ''],
  ] as const)('%j + %j → %j', (value, input, key, out) => {
    expect(editText(value, input, { ...noKey, ...key })).toBe(out);
  });

  it('leaves Enter, Tab, Esc and arrows to the caller', () => {
    for (const key of [{ return: true }, { tab: true }, { escape: true, meta: true }, { upArrow: true }]) {
      expect(editText('x', '', { ...noKey, ...key })).toBeUndefined();
    }
  });

  it('shows the end of a long value (where the cursor is)', () => {
    expect(tail('/home/ann/videos/movie.mkv', 10)).toBe('…movie.mkv');
    expect(tail('short', 10)).toBe('short');
  });
});

describe('parseClock', () => {
  it.each([
    ['90', 90_000],
    ['1:30', 90_000],
    ['1:02:03', 3_723_000],
    [' 0:05 ', 5_000],
    ['0', 0],
  ])('%j → %i ms', (text, ms) => {
    expect(parseClock(text)).toBe(ms);
  });

  it.each(['', 'abc', '1:60', '1:2:3:4', '-5', '1.5', ':30'])('%j is not a time', (text) => {
    expect(parseClock(text)).toBeUndefined();
  });
});

describe('path completion', () => {
  it('finds the common prefix', () => {
    expect(commonPrefix(['/tmp/abc', '/tmp/abd'])).toBe('/tmp/ab');
    expect(commonPrefix(['x'])).toBe('x');
    expect(commonPrefix([])).toBe('');
  });

  it('replaces with a single match, extends to the prefix of several, reports none', () => {
    expect(complete('/tm', ['/tmp/'])).toEqual({ value: '/tmp/', candidates: [], none: false });
    expect(complete('/v/m', ['/v/movie1.mkv', '/v/movie2.mkv'])).toEqual({ value: '/v/movie', candidates: ['/v/movie1.mkv', '/v/movie2.mkv'], none: false });
    expect(complete('/q', [])).toEqual({ value: '/q', candidates: [], none: true });
  });

  it('labels candidates by their last part', () => {
    expect(candidateLabel('/home/ann/Videos/')).toBe('Videos/');
    expect(candidateLabel('/home/ann/a.mkv')).toBe('a.mkv');
    expect(candidateLabel('/')).toBe('/');
  });
});

describe('list window', () => {
  it('moves within bounds', () => {
    expect(moveSelection(0, -1, 10)).toBe(0);
    expect(moveSelection(8, 5, 10)).toBe(9);
    expect(moveSelection(3, 1, 0)).toBe(0);
  });

  it('scrolls only when the selection leaves the window', () => {
    expect(scrollTop(0, 5, 10, 100)).toBe(0);
    expect(scrollTop(0, 10, 10, 100)).toBe(1);
    expect(scrollTop(20, 5, 10, 100)).toBe(5);
    expect(scrollTop(95, 99, 10, 100)).toBe(90);
    expect(scrollTop(3, 0, 10, 0)).toBe(0);
  });

  it('slices the visible rows and labels them', () => {
    expect(visibleWindow([1, 2, 3, 4, 5], 2, 2)).toEqual({ start: 2, rows: [3, 4] });
    expect(windowLabel(10, 20, 500)).toBe('11–30 of 500');
    expect(windowLabel(0, 3, 3)).toBe('3');
    expect(windowLabel(0, 0, 0)).toBe('');
  });
});

describe('progress text', () => {
  it('draws block bars of exactly the width', () => {
    expect(blockBar(0, 8)).toBe('░░░░░░░░');
    expect(blockBar(1, 8)).toBe('████████');
    expect(blockBar(0.5, 8)).toBe('████░░░░');
    expect(blockBar(0.52, 8)).toBe('████▏░░░');
    expect(Array.from(blockBar(0.37, 13)).length).toBe(13);
    expect(blockBar(Number.NaN, 3)).toBe('░░░');
  });

  it('never says 100% before the end', () => {
    expect(percent(999, 1000)).toBe(99);
    expect(percent(1000, 1000)).toBe(100);
    expect(percent(0, 0)).toBe(100);
  });

  it('draws the position line at the given width', () => {
    const l = positionLine(723_000, 2_710_000, 40);
    expect(l).toMatch(/^12:03 ━+╸─+ 45:10$/);
    expect(Array.from(l).length).toBe(40);
    expect(positionLine(0, 0, 40)).toMatch(/^0:00 ╸─+ 0:00$/);
    expect(positionLine(5000, 10_000, 8)).toBe('0:05 / 0:10');
  });

  it('signs sync errors', () => {
    expect(signedMs(3)).toBe('+3 ms');
    expect(signedMs(-120)).toBe('-120 ms');
    expect(signedMs(1500)).toBe('+1.5 s');
  });
});

describe('splitKeys', () => {
  it('passes a lone key through unchanged', () => {
    const key = { ...noKey, upArrow: true };
    expect(splitKeys('', key)).toEqual([['', key]]);
    expect(splitKeys('a', noKey)).toEqual([['a', noKey]]);
    expect(splitKeys('映', noKey)).toEqual([['映', noKey]]);
  });

  it('splits a chunk into characters and control keys', () => {
    const keys = splitKeys('pw\r\t\u007f\u0003é', noKey);
    expect(keys.map(([input]) => input)).toEqual(['p', 'w', '', '', '', 'c', 'é']);
    expect(keys[2]![1].return).toBe(true);
    expect(keys[3]![1].tab).toBe(true);
    expect(keys[4]![1].backspace).toBe(true);
    expect(keys[5]![1].ctrl).toBe(true);
  });

  it('reads Esc then a key in one read (Alt+key) as the two keys', () => {
    const keys = splitKeys('3', { ...noKey, meta: true });
    expect(keys.map(([input, key]) => [input, key.escape])).toEqual([
      ['', true],
      ['3', false],
    ]);
    // A real Escape and Alt+arrow pass through.
    expect(splitKeys('', { ...noKey, meta: true, escape: true })).toHaveLength(1);
    expect(splitKeys('', { ...noKey, meta: true, upArrow: true })).toHaveLength(1);
  });
});
