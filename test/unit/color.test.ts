import { describe, expect, it } from 'vitest';
import { colorLevelFor } from '../../src/core/color.js';

describe('colorLevelFor', () => {
  it.each([
    [{}, undefined],
    [{ NO_COLOR: '1' }, 0],
    [{ NO_COLOR: 'yes' }, 0],
    [{ NO_COLOR: '' }, undefined],
    [{ NO_COLOR: '1', FORCE_COLOR: '1' }, undefined],
    [{ NO_COLOR: '1', FORCE_COLOR: '0' }, 0],
    [{ NO_COLOR: '1', FORCE_COLOR: '' }, 0],
    [{ FORCE_COLOR: '3' }, undefined],
  ])('%j gives %j', (env, level) => {
    expect(colorLevelFor(env)).toBe(level);
  });
});
