import { describe, expect, it } from 'vitest';
import { ffprobeReason } from '../../src/roles/central/probe-video.js';

describe('ffprobeReason: what the uploader is told, without central\'s paths', () => {
  const file = '/srv/wp/central/uploads/a5500d0f.part';
  it.each<[string, string, boolean, string]>([
    ['the path that starts the line', `${file}: Invalid data found when processing input\n`, false, 'ffprobe: Invalid data found when processing input'],
    ['the path inside the line', `[mov,mp4 @ 0x1] moov atom not found\nerror reading ${file} header\n`, false, 'ffprobe: error reading the file header'],
    ['nothing on stderr', '', false, 'ffprobe could not read it'],
    ['killed at the timeout', `${file}: partial`, true, 'ffprobe gave no answer within 30 s'],
  ])('%s', (_what, stderr, killed, reason) => {
    const r = ffprobeReason(stderr, file, killed, 30_000);
    expect(r).toBe(reason);
    expect(r).not.toContain('/srv');
  });
});
