import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../src/roles/shared/format-bytes.js';
import { filterVideos } from '../../src/tui/client/video-table.js';
import { searchKey } from '../../src/roles/shared/search-key.js';
import type { VideoInfo } from '../../src/net/messages.js';

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [666.6666666666667, '667 B'],
    [1023.4, '1023 B'],
    [1536, '1.5 KiB'],
    [10 * 1024 * 1024, '10 MiB'],
    [5.25 * 1024 ** 3, '5.3 GiB'],
    [Number.NaN, '— B'],
    [-1, '— B'],
  ])('%d is %s', (n, text) => {
    expect(formatBytes(n)).toBe(text);
  });
});

describe('video search', () => {
  it.each([
    ['Fête', 'fete'],
    ['CAFÉ crème', 'cafe creme'],
    ['naïve', 'naive'],
  ])('%s folds to %s', (name, key) => {
    expect(searchKey(name)).toBe(key);
  });

  const video = (name: string) => ({ name }) as VideoInfo;
  it.each([
    ['fete', ['Fête de la musique.mp4']],
    ['FÊTE', ['Fête de la musique.mp4']],
    ['musique', ['Fête de la musique.mp4']],
    ['cafe', ['Café.mkv']],
    ['zzz', []],
  ])('filter %j finds %j', (filter, names) => {
    const videos = [video('Fête de la musique.mp4'), video('Café.mkv'), video('holiday.mp4')];
    expect(filterVideos(videos, filter).map((v) => v.name)).toEqual(names);
  });
});
