import { describe, expect, it } from 'vitest';
import { ladderFor, parseRate, seekSecondsFor, segmentsFor, tasksFor, type SourceFacts } from '../../src/roles/shared/job-plan.js';

const source = (over: Partial<SourceFacts> = {}): SourceFacts => ({
  width: 1920,
  height: 1080,
  fps: { num: 25, den: 1 },
  frames: 3000,
  durationMs: 120_000,
  videoBps: 8_000_000,
  audioStreams: 1,
  subtitleStreams: 0,
  variableRate: false,
  ...over,
});

describe('the ladder, capped at the source', () => {
  it.each([
    { name: '1080p source: every rung', src: source(), want: ['1080p', '720p', '480p', '360p', '240p'] },
    { name: '720p source: nothing taller', src: source({ width: 1280, height: 720 }), want: ['720p', '480p', '360p', '240p'] },
    { name: '360p source', src: source({ width: 640, height: 360 }), want: ['360p', '240p'] },
    { name: 'smaller than the smallest rung: one rendition at its own height', src: source({ width: 160, height: 120 }), want: ['120p'] },
  ])('$name', ({ src, want }) => {
    expect(ladderFor(src).map((r) => r.rung)).toEqual(want);
  });

  it('keeps the aspect ratio with even widths, and never spends more bits than the source', () => {
    const r = ladderFor(source({ width: 1440, height: 1080, videoBps: 2_000_000 }));
    expect(r.find((x) => x.rung === '720p')).toMatchObject({ width: 960, height: 720, videoBps: 2_000_000 });
    expect(r.find((x) => x.rung === '240p')).toMatchObject({ width: 320, videoBps: 350_000 });
    expect(ladderFor(source({ width: 853, height: 480 })).find((x) => x.rung === '360p')!.width % 2).toBe(0);
  });
});

describe('frame-exact segments', () => {
  it.each([
    { name: '25 fps: 100 frames each, the last one short', fps: { num: 25, den: 1 }, frames: 250, want: [[0, 100], [100, 100], [200, 50]] },
    { name: '30000/1001 fps: 120 frames (4.004 s)', fps: { num: 30000, den: 1001 }, frames: 240, want: [[0, 120], [120, 120]] },
    { name: 'shorter than one segment', fps: { num: 25, den: 1 }, frames: 40, want: [[0, 40]] },
    { name: 'no frames', fps: { num: 25, den: 1 }, frames: 0, want: [] },
  ])('$name', ({ fps, frames, want }) => {
    expect(segmentsFor({ fps, frames, variableRate: false }).map((s) => [s.startFrame, s.frames])).toEqual(want);
  });

  it('a variable frame rate is one segment (exact, only not parallel)', () => {
    expect(segmentsFor({ fps: { num: 25, den: 1 }, frames: 777, variableRate: true }).map((s) => [s.startFrame, s.frames])).toEqual([[0, 777]]);
  });

  it('every frame is in exactly one segment', () => {
    const segs = segmentsFor({ fps: { num: 24000, den: 1001 }, frames: 1001, variableRate: false });
    let next = 0;
    for (const s of segs) {
      expect(s.startFrame).toBe(next);
      next += s.frames;
    }
    expect(next).toBe(1001);
  });

  it('seeks half a frame before the segment start, so the first frame decoded is exactly it', () => {
    expect(seekSecondsFor(0, { num: 25, den: 1 })).toBe('0');
    expect(seekSecondsFor(100, { num: 25, den: 1 })).toBe('3.980000');
    expect(seekSecondsFor(120, { num: 30000, den: 1001 })).toBe('3.987317');
  });
});

describe('the tasks of a plan', () => {
  it('per rung: every segment, the audio once, an assemble after them all; a poster and a sprite', () => {
    const { renditions, tasks } = tasksFor(source({ width: 640, height: 360, frames: 250 }));
    expect(renditions.map((r) => r.rung)).toEqual(['360p', '240p']);
    const keys = tasks.map((t) => t.key);
    expect(keys).toEqual([
      'segment:360p:0', 'segment:360p:1', 'segment:360p:2', 'audio:360p', 'assemble:360p',
      'segment:240p:0', 'segment:240p:1', 'segment:240p:2', 'audio:240p', 'assemble:240p',
      'poster', 'sprite',
    ]);
    expect(tasks.find((t) => t.key === 'assemble:240p')!.deps).toEqual(['segment:240p:0', 'segment:240p:1', 'segment:240p:2', 'audio:240p']);
    for (const t of tasks) if (t.kind !== 'assemble') expect(t.deps).toEqual(['probe']);
  });

  it('a source without audio has no audio tasks, and its assembles do not wait for any', () => {
    const { tasks } = tasksFor(source({ audioStreams: 0, frames: 100 }));
    expect(tasks.some((t) => t.kind === 'audio')).toBe(false);
    expect(tasks.find((t) => t.key === 'assemble:720p')!.deps).toEqual(['segment:720p:0']);
  });

  it('reads frame rates as ffprobe prints them', () => {
    expect(parseRate('25/1')).toEqual({ num: 25, den: 1 });
    expect(parseRate('30000/1001')).toEqual({ num: 30000, den: 1001 });
    expect(parseRate('0/0')).toBeUndefined();
    expect(parseRate('N/A')).toBeUndefined();
    expect(parseRate(undefined)).toBeUndefined();
  });
});
