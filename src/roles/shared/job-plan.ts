/**
 * What central plans for an uploaded video, as pure functions: the rendition ladder capped at the
 * source, frame-exact segments, and the tasks the subs run (probe, then per rung an encode of each
 * segment, the audio once, an assemble; a poster and a seek-preview sprite). Renditions keep the
 * source's timestamps: segment i covers frames [i·n, (i+1)·n) of the source and is encoded alone, and
 * the segments are joined in order, so a position names the same frame in every rendition.
 */

/** One rung of the ladder: H.264 at this height and video bitrate, AAC at this audio bitrate. */
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
  /** Segment length: a task is a few seconds of video, so many workers can share one rung. */
  segmentMs: 4000,
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

/** Frame-exact segments of about `segmentMs` (one segment when the rate is variable). */
export function segmentsFor(src: Pick<SourceFacts, 'fps' | 'frames' | 'variableRate'>, rules = PLAN_RULES): Segment[] {
  if (src.frames <= 0) return [];
  const per = src.variableRate ? src.frames : Math.max(1, Math.round((rules.segmentMs / 1000) * (src.fps.num / src.fps.den)));
  const out: Segment[] = [];
  for (let start = 0, index = 0; start < src.frames; start += per, index++) out.push({ index, startFrame: start, frames: Math.min(per, src.frames - start) });
  return out;
}

/** Seconds (as ffmpeg reads them) half a frame before `frame`: an input seek there starts on exactly that frame. */
export function seekSecondsFor(frame: number, fps: { num: number; den: number }): string {
  if (frame <= 0) return '0';
  return (((frame - 0.5) * fps.den) / fps.num).toFixed(6);
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

/** Everything after the probe: per rung, its segments, its audio and its assemble; a poster and a sprite. */
export function tasksFor(src: SourceFacts, rules = PLAN_RULES): { renditions: PlannedRendition[]; tasks: PlannedTask[] } {
  const renditions = ladderFor(src);
  const segments = segmentsFor(src, rules);
  const tasks: PlannedTask[] = [];
  for (const r of renditions) {
    const segKeys = segments.map((s) => `segment:${r.rung}:${s.index}`);
    segments.forEach((s, i) => tasks.push({ key: segKeys[i]!, kind: 'segment', rung: r.rung, segment: s, deps: ['probe'] }));
    const audioKey = `audio:${r.rung}`;
    if (src.audioStreams > 0) tasks.push({ key: audioKey, kind: 'audio', rung: r.rung, deps: ['probe'] });
    tasks.push({ key: `assemble:${r.rung}`, kind: 'assemble', rung: r.rung, deps: [...segKeys, ...(src.audioStreams > 0 ? [audioKey] : [])] });
  }
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
