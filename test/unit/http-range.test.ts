import { describe, expect, it } from 'vitest';
import { parseRange, type RangeResult } from '../../src/roles/shared/http-range.js';

const full: RangeResult = { kind: 'full' };
const unsatisfiable: RangeResult = { kind: 'unsatisfiable' };
const partial = (start: number, end: number): RangeResult => ({ kind: 'partial', start, end });

describe('parseRange', () => {
  it.each<[string, string | undefined, number, RangeResult]>([
    ['no header', undefined, 5000, full],
    ['empty header', '', 5000, full],
    ['the first byte', 'bytes=0-0', 5000, partial(0, 0)],
    ['the last byte', 'bytes=4999-4999', 5000, partial(4999, 4999)],
    ['a middle slice', 'bytes=1000-1999', 5000, partial(1000, 1999)],
    ['the whole file, explicitly', 'bytes=0-4999', 5000, partial(0, 4999)],
    ['open-ended', 'bytes=4000-', 5000, partial(4000, 4999)],
    ['open-ended from 0', 'bytes=0-', 5000, partial(0, 4999)],
    ['suffix', 'bytes=-500', 5000, partial(4500, 4999)],
    ['suffix of one byte', 'bytes=-1', 5000, partial(4999, 4999)],
    ['suffix longer than the file is the whole file', 'bytes=-9000', 5000, partial(0, 4999)],
    ['end past the size is clamped', 'bytes=4000-99999', 5000, partial(4000, 4999)],
    ['surrounding whitespace is ignored', '  bytes=10-19 ', 5000, partial(10, 19)],
    ['start = size', 'bytes=5000-', 5000, unsatisfiable],
    ['start = size with an end', 'bytes=5000-6000', 5000, unsatisfiable],
    ['start past size', 'bytes=7000-8000', 5000, unsatisfiable],
    ['end < start', 'bytes=2000-1999', 5000, unsatisfiable],
    ['empty suffix bytes=-0', 'bytes=-0', 5000, unsatisfiable],
    ['start beyond safe integers', 'bytes=99999999999999999999-', 5000, unsatisfiable],
    ['size 0, bytes=0-0', 'bytes=0-0', 0, unsatisfiable],
    ['size 0, open-ended', 'bytes=0-', 0, unsatisfiable],
    ['size 0, suffix', 'bytes=-500', 0, unsatisfiable],
    ['multi-range', 'bytes=0-1,3-4', 5000, full],
    ['another unit', 'items=0-1', 5000, full],
    ['no numbers at all', 'bytes=-', 5000, full],
    ['no dash', 'bytes=100', 5000, full],
    ['negative-looking start', 'bytes=--5', 5000, full],
    ['non-digits', 'bytes=a-b', 5000, full],
    ['upper-case unit', 'BYTES=0-1', 5000, full],
    ['garbage', 'hello', 5000, full],
  ])('%s: %j of %i bytes', (_what, header, size, expected) => {
    expect(parseRange(header, size)).toEqual(expected);
  });
});
