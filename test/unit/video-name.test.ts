import { describe, expect, it } from 'vitest';
import { checkVideoName, MAX_VIDEO_NAME_CHARS } from '../../src/roles/shared/video-name.js';
import { thrown } from '../helpers/thrown.js';


const emoji = '🎬'; // one code point, two UTF-16 code units

describe('checkVideoName', () => {
  it('the limit is 200 characters', () => {
    expect(MAX_VIDEO_NAME_CHARS).toBe(200);
  });

  it.each<[string, string, string]>([
    ['plain', 'Holiday 2024.mp4', 'Holiday 2024.mp4'],
    ['surrounding spaces are trimmed', '  Holiday 2024.mp4  ', 'Holiday 2024.mp4'],
    ['surrounding tabs and newlines are trimmed', '\t\nclip.webm\n', 'clip.webm'],
    ['accents', 'Fête de la musique.mp4', 'Fête de la musique.mp4'],
    ['decomposed accents become NFC', 'Fe\u0302te.mp4', 'F\u00eate.mp4'],
    ['CJK', '映画.mkv', '映画.mkv'],
    ['emoji', `${emoji} party ${emoji}.mp4`, `${emoji} party ${emoji}.mp4`],
    ['inner spaces and dots', 'a . b ... c', 'a . b ... c'],
    ['three dots', '...', '...'],
    ['a leading dot', '.hidden.mp4', '.hidden.mp4'],
    ['exactly 200 ASCII characters', 'x'.repeat(200), 'x'.repeat(200)],
    ['exactly 200 emoji (400 UTF-16 units)', emoji.repeat(200), emoji.repeat(200)],
    ['200 characters after trimming', `  ${'y'.repeat(200)}  `, 'y'.repeat(200)],
  ])('accepts %s', (_what, raw, expected) => {
    expect(checkVideoName(raw)).toBe(expected);
  });

  const separator = /contains a path separator/;
  const control = /contains control characters/;
  it.each<[string, string, RegExp]>([
    ['empty', '', /the video name is empty/],
    ['only spaces', '   ', /the video name is empty/],
    ['only whitespace', ' \t\n ', /the video name is empty/],
    ['201 ASCII characters', 'x'.repeat(201), /is 201 characters long \(at most 200\)/],
    ['201 emoji', emoji.repeat(201), /is 201 characters long \(at most 200\)/],
    ['slash', 'a/b', separator],
    ['backslash', '..\\x', separator],
    ['parent path', '../evil.mp4', separator],
    ['absolute path', '/etc/passwd', separator],
    ['bell', 'a\u0007b', control],
    ['newline inside', 'a\nb.mp4', control],
    ['NUL', 'a\u0000b', control],
    ['DEL', 'a\u007fb', control],
    ['C1 CSI', 'a\u009b31mb', control],
    ['line separator', 'a\u2028b', control],
    ['paragraph separator', 'a\u2029b', control],
    ['right-to-left override', 'evil\u202egpj.exe', /invisible or text-direction characters/],
    ['left-to-right isolate', 'a\u2066b.mp4', /invisible or text-direction characters/],
    ['right-to-left mark', 'a\u200fb.mp4', /invisible or text-direction characters/],
    ['zero-width space', 'clip\u200b.mp4', /invisible or text-direction characters/],
    ['zero-width joiner', 'clip\u200d.mp4', /invisible or text-direction characters/],
    ['byte order mark inside', 'cl\ufeffip.mp4', /invisible or text-direction characters/],
    ['soft hyphen', 'cl\u00adip.mp4', /invisible or text-direction characters/],
    ['Hangul filler', 'clip\u3164.mp4', /invisible or text-direction characters/],
    ['lone surrogate', 'clip\ud800.mp4', /invisible or text-direction characters/],
    ['dot', '.', /invalid video name "\."/],
    ['dot dot', '..', /invalid video name "\.\."/],
    ['dot dot with spaces', ' .. ', /invalid video name "\.\."/],
  ])('rejects %s with INVALID_VIDEO_NAME saying why', (_what, raw, why) => {
    const err = thrown(() => checkVideoName(raw));
    expect(err.code).toBe('INVALID_VIDEO_NAME');
    expect(err.message).toMatch(why);
  });

  it('quotes the offending name as JSON, so control characters are shown escaped', () => {
    const msg = thrown(() => checkVideoName('a\u0007b')).message;
    expect(msg).toContain('"a\\u0007b"');
    expect(msg).not.toContain('\u0007');
    expect(thrown(() => checkVideoName('a/b')).message).toContain('"a/b"');
  });

  it('shortens a long offending name to 60 characters and an ellipsis', () => {
    const msg = thrown(() => checkVideoName(`${'z'.repeat(100)}/x`)).message;
    expect(msg).toContain(JSON.stringify('z'.repeat(60) + '…'));
    expect(msg).not.toContain('z'.repeat(61));
  });
});
