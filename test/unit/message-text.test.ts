/** What people may write to each other: one clean line that cannot break a layout or pose as another. */
import { describe, expect, it } from 'vitest';
import { cleanMessage, MAX_MESSAGE_CHARS, osdLine } from '../../src/roles/shared/message-text.js';
import { WatchpartyError } from '../../src/core/errors.js';

function refused(raw: string): string {
  try {
    cleanMessage(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(WatchpartyError);
    return (err as WatchpartyError).message;
  }
  throw new Error(`"${raw}" was accepted`);
}

describe('cleanMessage', () => {
  it.each([
    ['plain text stays', 'this part!', 'this part!'],
    ['line breaks of every kind become one space', 'a\nb\r\nc\u2028d\u2029e\u0085f', 'a b c d e f'],
    ['tabs and runs of spaces of any kind are one space', 'a\t\tb   c\u3000\u3000d\u2003e', 'a b c d e'],
    ['terminal escapes lose their ESC (what is left is harmless text)', 'x\u001b[31mred', 'x[31mred'],
    ['bidi overrides and isolates go', 'file\u202egnp.exe\u2066x\u2069', 'filegnp.exex'],
    ['zero-width characters go', 'a\u200bb\u200dc\ufeffd', 'abcd'],
    ['Hangul fillers and the braille blank go', 'a\u3164b\u2800c', 'abc'],
    ['private-use and unassigned code points go', 'a\ue000b\uffffc\u{10fffd}d', 'abcd'],
    ['accents stay (NFC)', 'cafe\u0301 ü', 'café ü'],
    // NFC first makes a + the first mark one letter (á); two more marks stay on it.
    ['a stack of combining marks keeps two', `a${'\u0301'.repeat(400)}b`, '\u00e1\u0301\u0301b'],
    ['wide characters and emoji stay', '漢字 👍🏽 ❤️', '漢字 👍🏽 ❤️'],
    ['leading and trailing space goes', '  hi  ', 'hi'],
  ])('%s', (_name, raw, want) => {
    expect(cleanMessage(raw)).toBe(want);
  });

  it.each([
    ['nothing', ''],
    ['only spaces and breaks', ' \n\t\u3000 '],
    ['only invisible characters', '\u200b\u2800\u3164\u202e'],
    ['only combining marks', '\u0301\u0302\u0303'],
  ])('refuses %s as empty', (_name, raw) => {
    expect(refused(raw)).toBe('the message is empty');
  });

  it(`takes ${MAX_MESSAGE_CHARS} characters and refuses one more, saying how long it is`, () => {
    expect(cleanMessage('x'.repeat(MAX_MESSAGE_CHARS))).toHaveLength(MAX_MESSAGE_CHARS);
    expect(refused('x'.repeat(MAX_MESSAGE_CHARS + 1))).toMatch(/501 characters long \(at most 500\)/);
  });
});

describe('osdLine', () => {
  it('names the writer and cuts a long line with an ellipsis', () => {
    expect(osdLine('bob', 'this part!')).toBe('bob: this part!');
    const long = osdLine('bob', 'y'.repeat(300), 40);
    expect([...long]).toHaveLength(40);
    expect(long.endsWith('…')).toBe(true);
  });
});
