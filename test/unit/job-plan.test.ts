import { describe, expect, it } from 'vitest';
import { ladderFor, parseRate, PLAN_RULES, seekSecondsFor, segmentsFor, tasksFor, type SourceFacts } from '../../src/roles/shared/job-plan.js';
import { cutPoints } from '../../src/roles/media-probe.js';
import { implausibleProbe } from '../../src/roles/central/verify-output.js';

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

describe('segments cut at the source\'s own keyframes', () => {
  const base = { fps: { num: 25, den: 1 }, variableRate: false, indexed: true };
  it.each([
    { name: '2 s GOPs: two GOPs (4 s) a segment, the last one short', keyframes: [0, 50, 100, 150, 200], frames: 250, want: [[0, 100], [100, 100], [200, 50]] },
    { name: '10 s GOPs: a GOP a segment', keyframes: [0, 250, 500], frames: 600, want: [[0, 250], [250, 250], [500, 100]] },
    { name: 'irregular keyframes (scene cuts): cut at the first keyframe 4 s on', keyframes: [0, 30, 90, 130, 140, 260], frames: 300, want: [[0, 130], [130, 130], [260, 40]] },
    { name: 'shorter than one segment', keyframes: [0, 20], frames: 40, want: [[0, 40]] },
    { name: 'no frames', keyframes: [0], frames: 0, want: [] },
  ])('$name', ({ keyframes, frames, want }) => {
    expect(segmentsFor({ ...base, keyframes, frames }).map((s) => [s.startFrame, s.frames])).toEqual(want);
  });

  it.each([
    { name: 'a variable frame rate', over: { variableRate: true } },
    { name: 'a container without an index (a seek may not land on the keyframe)', over: { indexed: false } },
    { name: 'no keyframe list', over: { keyframes: undefined } },
  ])('one segment for the whole file: $name', ({ over }) => {
    expect(segmentsFor({ ...base, keyframes: [0, 100, 200], frames: 300, ...over }).map((s) => [s.startFrame, s.frames])).toEqual([[0, 300]]);
  });

  it('every frame is in exactly one segment', () => {
    const keyframes = Array.from({ length: 40 }, (_, i) => i * 37);
    const segs = segmentsFor({ ...base, fps: { num: 24000, den: 1001 }, keyframes, frames: 1470 });
    let next = 0;
    for (const s of segs) {
      expect(s.startFrame).toBe(next);
      expect(keyframes).toContain(s.startFrame);
      next += s.frames;
    }
    expect(next).toBe(1470);
  });

  it('a long film with a keyframe every second gets longer segments, never more than maxSegments tasks', () => {
    const frames = 4 * 3600 * 25;
    const keyframes = Array.from({ length: frames / 25 }, (_, i) => i * 25);
    const segs = segmentsFor({ ...base, keyframes, frames });
    expect(segs.length).toBeLessThanOrEqual(PLAN_RULES.maxSegments);
    expect(segs.length).toBeGreaterThan(PLAN_RULES.maxSegments - 5);
    expect(segs.reduce((n, s) => n + s.frames, 0)).toBe(frames);
  });

  it('seeks a quarter frame past the segment\'s keyframe (after the first frame\'s own offset)', () => {
    expect(seekSecondsFor(0, { num: 25, den: 1 })).toBe('0');
    expect(seekSecondsFor(100, { num: 25, den: 1 })).toBe('4.010000');
    expect(seekSecondsFor(100, { num: 25, den: 1 }, 21)).toBe('4.031000');
    expect(seekSecondsFor(120, { num: 30000, den: 1001 })).toBe('4.012342');
  });
});

describe('cut points from the packets', () => {
  const p = (pts: number, key = false) => ({ pts, key });
  it('closed GOPs: every keyframe, at its display index (B-frames reordered)', () => {
    // decode order I P B B | I P B B (pts in frames)
    expect(cutPoints([p(0, true), p(3), p(1), p(2), p(4, true), p(7), p(5), p(6)])).toEqual([0, 4]);
  });
  it('every frame a keyframe (all-intra): only those a minimum gap apart are kept, so the list stays small', () => {
    const intra = Array.from({ length: 1000 }, (_, i) => p(i, true));
    expect(cutPoints(intra, 100)).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
    expect(cutPoints(intra)).toHaveLength(1000);
  });

  it('an open GOP (a later packet shows before its keyframe) is not a cut point', () => {
    // the second GOP's B-frames (pts 3, 4) come after its I-frame (pts 5) in decode order
    expect(cutPoints([p(0, true), p(2), p(1), p(5, true), p(3), p(4), p(6)])).toEqual([0]);
  });
});

describe('the tasks of a plan', () => {
  it('the segments and the audio (each makes every rung), per rung an assemble after them all; a poster and a sprite', () => {
    const { renditions, tasks } = tasksFor(source({ width: 640, height: 360, frames: 250, keyframes: [0, 50, 100, 150, 200], indexed: true }));
    expect(renditions.map((r) => r.rung)).toEqual(['360p', '240p']);
    expect(tasks.map((t) => t.key)).toEqual(['segment:0', 'segment:1', 'segment:2', 'audio', 'assemble:360p', 'assemble:240p', 'poster', 'sprite']);
    expect(tasks.find((t) => t.key === 'assemble:240p')!.deps).toEqual(['segment:0', 'segment:1', 'segment:2', 'audio']);
    for (const t of tasks) if (t.kind !== 'assemble') expect(t.deps).toEqual(['probe']);
  });

  it('a source without audio has no audio tasks, and its assembles do not wait for any', () => {
    const { tasks } = tasksFor(source({ audioStreams: 0, frames: 100 }));
    expect(tasks.some((t) => t.kind === 'audio')).toBe(false);
    expect(tasks.find((t) => t.key === 'assemble:720p')!.deps).toEqual(['segment:0']);
  });

  it('reads frame rates as ffprobe prints them', () => {
    expect(parseRate('25/1')).toEqual({ num: 25, den: 1 });
    expect(parseRate('30000/1001')).toEqual({ num: 30000, den: 1001 });
    expect(parseRate('0/0')).toBeUndefined();
    expect(parseRate('N/A')).toBeUndefined();
    expect(parseRate(undefined)).toBeUndefined();
  });
});

describe('a probe that cannot be this video is refused', () => {
  const video = { width: 1920, height: 1080, durationMs: 120_000 };
  it.each([
    { name: 'the catalogue\'s own facts', facts: source(), want: undefined },
    { name: 'a VFR source whose frame count is not duration × rate', facts: source({ variableRate: true, frames: 2000 }), want: undefined },
    { name: 'another size', facts: source({ height: 720 }), want: /1920x720, the catalogue 1920x1080/ },
    { name: 'a thousandth of a frame a second', facts: source({ fps: { num: 1, den: 1000 } }), want: /not one to encode/ },
    { name: '90,000 frames a second', facts: source({ fps: { num: 90_000, den: 1 } }), want: /not one to encode/ },
    { name: 'a day long', facts: source({ durationMs: 86_400_000 }), want: /86400000 ms, the catalogue 120000 ms/ },
    { name: 'ten times the frames', facts: source({ frames: 30_000 }), want: /30000 frames do not fit/ },
  ])('$name', ({ facts, want }) => {
    const why = implausibleProbe(facts, video);
    if (want) expect(why).toMatch(want);
    else expect(why).toBeUndefined();
  });
});
