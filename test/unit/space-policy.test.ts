import { describe, expect, it } from 'vitest';
import { marginBytes, spaceVerdict, SPACE } from '../../src/roles/central/space-policy.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

describe('marginBytes', () => {
  it.each([
    [20 * MiB, SPACE.minMarginBytes],
    [100 * MiB, 5 * MiB],
    [10 * GiB, SPACE.maxMarginBytes],
    [0, SPACE.minMarginBytes],
  ])('a %d-byte file system keeps %d bytes free', (total, margin) => {
    expect(marginBytes(total)).toBe(margin);
  });
});

describe('spaceVerdict', () => {
  const cases: { name: string; free: number; total: number; reserved: number; need: number; ok: boolean; message?: RegExp }[] = [
    { name: 'fits with room to spare', free: 10 * GiB, total: 100 * GiB, reserved: 0, need: 1 * GiB, ok: true },
    { name: 'fits exactly above the margin', free: 11 * MiB, total: 20 * MiB, reserved: 0, need: 10 * MiB, ok: true },
    { name: 'one byte too many', free: 11 * MiB, total: 20 * MiB, reserved: 0, need: 10 * MiB + 1, ok: false, message: /^central has 10 MiB free, this video needs 10 MiB$/ },
    { name: 'too large for the disk', free: 19 * MiB, total: 20 * MiB, reserved: 0, need: 25 * MiB, ok: false, message: /^central has 18 MiB free, this video needs 25 MiB$/ },
    { name: 'space held by another upload counts', free: 15 * MiB, total: 20 * MiB, reserved: 8 * MiB, need: 8 * MiB, ok: false, message: /central has 6\.0 MiB free \(another 8\.0 MiB is held for uploads in progress\), this video needs 8\.0 MiB/ },
    { name: 'a full disk says 0 B', free: 0, total: 20 * MiB, reserved: 0, need: 1, ok: false, message: /^central has 0 B free, this video needs 1 B$/ },
    { name: 'resuming with nothing left to write fits', free: 0, total: 20 * MiB, reserved: 0, need: 0, ok: true },
  ];
  it.each(cases)('$name', (c) => {
    const v = spaceVerdict({ freeBytes: c.free, totalBytes: c.total, reservedBytes: c.reserved, needBytes: c.need });
    expect(v.ok).toBe(c.ok);
    if (!v.ok) expect(v.message).toMatch(c.message!);
  });

  it('never names a path', () => {
    const v = spaceVerdict({ freeBytes: 0, totalBytes: GiB, reservedBytes: 0, needBytes: GiB });
    expect(v.ok ? '' : v.message).not.toMatch(/\//);
  });
});
