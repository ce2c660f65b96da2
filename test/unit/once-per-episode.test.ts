import { describe, expect, it } from 'vitest';
import type { Logger } from '../../src/core/log.js';
import { oncePerEpisode } from '../../src/roles/once-per-episode.js';

function recordingLog(lines: string[]): Logger {
  const at = (level: string) => (m: string) => void lines.push(`${level} ${m}`);
  const log: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => log };
  return log;
}

const full = () => {
  throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
};
const fine = () => {};

describe('oncePerEpisode', () => {
  it.each([
    { runs: [fine, fine], lines: [] as RegExp[] },
    { runs: [full, full, full, full], lines: [/^error sweep failed: the disk is full \(database or disk is full\)/] },
    { runs: [full, full, fine, fine], lines: [/^error sweep failed/, /^info sweep works again after 2 failed runs$/] },
    { runs: [full, fine, full, fine], lines: [/^error sweep failed/, /after 1 failed run$/, /^error sweep failed/, /after 1 failed run$/] },
  ])('logs one line per episode: %#', ({ runs, lines }) => {
    const out: string[] = [];
    const guard = oncePerEpisode(recordingLog(out));
    for (const duty of runs) expect(() => guard('sweep', duty)).not.toThrow();
    expect(out).toHaveLength(lines.length);
    lines.forEach((re, i) => expect(out[i]).toMatch(re));
  });

  it('keeps episodes of different duties apart, and logs the stack of a real bug', () => {
    const out: string[] = [];
    const guard = oncePerEpisode(recordingLog(out));
    guard('sweep', full);
    guard('rooms', () => {
      throw new TypeError('x is undefined');
    });
    guard('sweep', full);
    expect(out).toHaveLength(2);
    expect(out[1]).toMatch(/^error rooms failed: TypeError: x is undefined\n\s+at /);
  });
});
