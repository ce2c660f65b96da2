/**
 * What central plans for an uploaded video, as pure functions: the rendition ladder capped at the
 * source, segments cut at the source's own keyframes, and the tasks the subs run: a probe, then one task
 * per segment that decodes it once and encodes every rung from it, one that decodes the audio once and
 * encodes every rung's, per rung an assemble, and a poster and a seek-preview sprite. Renditions keep the source's timestamps: a segment
 * covers frames [start, start + n) of the source, the segments are joined in order, and a position
 * names the same frame in every rendition.
 *
 * Why whole-ladder segments at the source's keyframes: a segment that starts between keyframes must
 * decode from the keyframe before it and throw those frames away, and a task per rung decodes the same
 * frames once per rung; decoding a busy 720p source cost as much CPU as encoding two of its rungs
 * (bench/jobs: 2.0× the one-ffmpeg baseline's CPU with per-rung tasks cut every 4 s).
 */

/** One rung of the ladder: H.264 at this height and video bitrate, Opus at this audio bitrate. */
export interface Rung {
  name: string;
  height: number;
  videoBps: number;
  audioBps: number;
}

export const LADDER: readonly Rung[] = [
  { name: '1080p', height: 1080, videoBps: 5_000_000, audioBps: 128_000 },
  { name: '720p', height: 720, videoBps: 2_500_000, audioBps: 128_000 },
  { name: '480p', height: 480, videoBps: 1_200_000, audioBps: 96_000 },
  { name: '360p', height: 360, videoBps: 700_000, audioBps: 64_000 },
  { name: '240p', height: 240, videoBps: 350_000, audioBps: 48_000 },
];

export const PLAN_RULES = {
  /** A segment is at least this long (whole GOPs of the source): enough work to be worth a task. */
  segmentMs: 4000,
  /** At most this many segment tasks per video (a long film gets longer segments). */
  maxSegments: 500,
  /** Keyframes inside a segment every this long (each segment starts with one). */
  keyframeMs: 2000,
  /** Tiles of the seek-preview sprite (columns × rows), one every duration ÷ tiles. */
  spriteTiles: { columns: 10, rows: 10 },
};

/** What the probe task learns of the source (ffprobe on a worker's verified replica). */
export interface SourceFacts {
  width: number;
  height: number;
  /** Frames per second as a ratio (`25/1`, `30000/1001`). */
  fps: { num: number; den: number };
  /** Video frames in the file (counted packets). */
  frames: number;
  durationMs: number;
  /** The video's mean bitrate (bits/s), when known. */
  videoBps?: number;
  audioStreams: number;
  subtitleStreams: number;
  /** The frame rate is not constant: one segment for the whole file (still exact, only not parallel). */
  variableRate: boolean;
  /** Frame numbers (in display order) of the source's keyframes, when known (0 is always one). */
  keyframes?: number[];
  /** The container has an index (Matroska, MP4…): a seek lands exactly on the keyframe asked for. */
  indexed?: boolean;
  /** The first frame's time from the file's start (a B-frame delay, say): renditions keep it. */
  videoStartMs?: number;
}

/** A rendition to make: the rung, its size, and the bitrates it will be encoded at. */
export interface PlannedRendition {
  rung: string;
  width: number;
  height: number;
  videoBps: number;
  audioBps: number;
}

export interface Segment {
  index: number;
  startFrame: number;
  frames: number;
}

/**
 * The rungs for a source: every rung no taller than it (none taller: the smallest rung is made at the
 * source's own height), each at most the source's own bitrate. Widths keep the aspect ratio, even.
 */
export function ladderFor(src: Pick<SourceFacts, 'width' | 'height' | 'videoBps'>, ladder: readonly Rung[] = LADDER): PlannedRendition[] {
  const fits = ladder.filter((r) => r.height <= src.height);
  const rungs = fits.length > 0 ? fits : [{ ...ladder[ladder.length - 1]!, name: `${even(src.height)}p`, height: even(src.height) }];
  return rungs.map((r) => ({
    rung: r.name,
    height: r.height,
    width: even((src.width * r.height) / src.height),
    videoBps: src.videoBps ? Math.min(r.videoBps, src.videoBps) : r.videoBps,
    audioBps: r.audioBps,
  }));
}

function even(x: number): number {
  return Math.max(2, 2 * Math.round(x / 2));
}

/**
 * Segments made of whole GOPs of the source, each at least `segmentMs` (the last may be shorter): cut
 * at keyframes, a segment decodes nothing it does not keep. Without a known keyframe list, or with a
 * variable rate, or an unindexed container, one segment is the whole file (exact, only not parallel).
 */
export function segmentsFor(src: Pick<SourceFacts, 'fps' | 'frames' | 'variableRate' | 'keyframes' | 'indexed'>, rules = PLAN_RULES): Segment[] {
  if (src.frames <= 0) return [];
  const starts = src.variableRate || !src.indexed || !src.keyframes ? [0] : [...new Set([0, ...src.keyframes.filter((k) => k > 0 && k < src.frames)])].sort((a, b) => a - b);
  const minFrames = Math.max((rules.segmentMs / 1000) * (src.fps.num / src.fps.den), src.frames / rules.maxSegments);
  const cuts = [0];
  for (const k of starts) if (k - cuts[cuts.length - 1]! >= minFrames) cuts.push(k);
  return cuts.map((start, index) => ({ index, startFrame: start, frames: (cuts[index + 1] ?? src.frames) - start }));
}

/**
 * Seconds (as ffmpeg reads them) to seek to for a segment starting at keyframe `frame`: a quarter frame
 * past it, so that a seek back to the keyframe at or before it lands on exactly this one whichever way
 * the time rounds (the segment task reads from there without dropping anything).
 */
export function seekSecondsFor(frame: number, fps: { num: number; den: number }, firstFrameMs = 0): string {
  if (frame <= 0) return '0';
  return (((frame + 0.25) * fps.den) / fps.num + firstFrameMs / 1000).toFixed(6);
}

export type TaskKind = 'probe' | 'segment' | 'audio' | 'assemble' | 'poster' | 'sprite';

/** One task of a plan; `deps` are the keys of tasks whose outputs it needs. */
export interface PlannedTask {
  key: string;
  kind: TaskKind;
  rung?: string;
  segment?: Segment;
  deps: string[];
}

/** Everything after the probe: the segments and the audio (every rung each), per rung an assemble; a poster and a sprite. */
export function tasksFor(src: SourceFacts, rules = PLAN_RULES): { renditions: PlannedRendition[]; tasks: PlannedTask[] } {
  const renditions = ladderFor(src);
  const segments = segmentsFor(src, rules);
  const segKeys = segments.map((s) => `segment:${s.index}`);
  const tasks: PlannedTask[] = segments.map((s, i) => ({ key: segKeys[i]!, kind: 'segment', segment: s, deps: ['probe'] }));
  const audio = src.audioStreams > 0 ? ['audio'] : [];
  if (audio.length > 0) tasks.push({ key: 'audio', kind: 'audio', deps: ['probe'] });
  for (const r of renditions) tasks.push({ key: `assemble:${r.rung}`, kind: 'assemble', rung: r.rung, deps: [...segKeys, ...audio] });
  tasks.push({ key: 'poster', kind: 'poster', deps: ['probe'] }, { key: 'sprite', kind: 'sprite', deps: ['probe'] });
  return { renditions, tasks };
}

/** Parse ffprobe's `25/1` or `30000/1001`. */
export function parseRate(text: string | undefined): { num: number; den: number } | undefined {
  const m = /^(\d{1,9})\/(\d{1,9})$/.exec(text ?? '');
  if (!m) return undefined;
  const num = Number(m[1]);
  const den = Number(m[2]);
  return num > 0 && den > 0 ? { num, den } : undefined;
}

/** "12/31 done", "failed (3/31 done)": a video's processing in a few words. */
export function processingText(p: { state: string; done: number; total: number } | undefined): string {
  if (!p) return '';
  if (p.state === 'done') return 'renditions ready';
  if (p.state === 'running') return `processing ${p.done}/${p.total}`;
  return `${p.state} (${p.done}/${p.total} done)`;
}

/** "720p 480p 360p" (the renditions made so far), with "(processing 4/9)" while the rest is being made; "-" for none. */
export function renditionsText(v: { renditions?: readonly { rung: string }[] | undefined; processing?: { state: string; done: number; total: number } | undefined }, none = '-'): string {
  const made = (v.renditions ?? []).map((r) => r.rung).join(' ');
  const progress = processingText(v.processing);
  return [made, progress && progress !== 'renditions ready' ? `(${progress})` : ''].filter(Boolean).join(' ') || none;
}
