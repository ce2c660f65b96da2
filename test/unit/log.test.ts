import { describe, expect, it } from 'vitest';
import { createLogger, formatLine, MAX_MESSAGE_CHARS, sanitize, throttledSink, type LogRecord } from '../../src/core/log.js';

describe('sanitize', () => {
  it.each([
    { why: 'plain text is kept', text: 'registered sub-1 at 127.0.0.1:7001', out: 'registered sub-1 at 127.0.0.1:7001' },
    { why: 'a newline cannot start a forged line', text: 'bad\n[ERROR] [12:00:00] central: fake', out: 'bad\\u000a[ERROR] [12:00:00] central: fake' },
    { why: 'carriage return', text: 'a\rb', out: 'a\\u000db' },
    { why: 'terminal escapes', text: '\u001b[31mred', out: '\\u001b[31mred' },
    { why: 'C1 CSI', text: 'a\u009bb', out: 'a\\u009bb' },
    { why: 'bidi override', text: 'evil\u202egpj.exe', out: 'evil\\u202egpj.exe' },
    { why: 'unicode line separator', text: 'a\u2028b', out: 'a\\u2028b' },
    { why: 'accents and emoji are fine', text: 'Fête 🎬', out: 'Fête 🎬' },
  ])('$why', ({ text, out }) => {
    expect(sanitize(text)).toBe(out);
  });

  it('caps a long message and says how much was cut', () => {
    const s = sanitize('x'.repeat(MAX_MESSAGE_CHARS + 500));
    expect(s.startsWith('x'.repeat(MAX_MESSAGE_CHARS))).toBe(true);
    expect(s).toMatch(/… \(500 more characters\)$/);
  });

  it('a logger escapes messages and string fields before any sink sees them', () => {
    const seen: LogRecord[] = [];
    createLogger('central', (r) => seen.push(r), 'info', () => 0).warn('bad JSON: {"a":\n"[ERROR] x"}', { peer: 'a\u001bb' });
    const line = formatLine(seen[0]!);
    expect(line.split('\n')).toHaveLength(1);
    expect(line).not.toContain('\u001b');
  });
});

describe('throttledSink', () => {
  it('passes perSecond records a second, drops the rest, and then says how many it dropped', () => {
    let now = 0;
    const seen: LogRecord[] = [];
    const sink = throttledSink((r) => seen.push(r), 3, () => now);
    const rec = (message: string): LogRecord => ({ atMs: now, level: 'debug', scope: 's', message, fields: {} });
    for (let i = 0; i < 10; i++) sink(rec(`m${i}`));
    expect(seen.map((r) => r.message)).toEqual(['m0', 'm1', 'm2']);
    now = 1000;
    sink(rec('next'));
    expect(seen.slice(3).map((r) => r.message)).toEqual(['dropped 7 log lines over the limit of 3 a second', 'next']);
    now = 2500;
    sink(rec('quiet'));
    expect(seen.at(-1)!.message).toBe('quiet');
    expect(seen).toHaveLength(6);
  });
});
