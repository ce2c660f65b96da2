/**
 * The ffmpeg command line of each media task, as pure functions of its spec (Debian's ffmpeg 5.1):
 *   segment   input-seek half a frame before the segment, encode exactly its frames to H.264 at the rung's
 *             size and bitrate, keyframes every keyframeFrames, no scene cuts (closed GOPs), constant rate
 *   audio     every audio stream of the source, AAC at the rung's bitrate, once for the whole file
 *   assemble  the segments joined in order (concat demuxer, no re-encode) with the audio and the source's
 *             subtitles, into one Matroska file: the same timestamps as the source
 *   poster    one frame; sprite: a tile sheet of frames at regular intervals
 * Every command ends with `-benchmark`, whose last line gives the CPU time the task cost.
 */
import type { TaskSpec } from '../../net/job-messages.js';

// Info level, without the progress line: `-benchmark` reports the CPU time at that level.
const COMMON = ['-hide_banner', '-nostdin', '-nostats', '-y', '-v', 'info'];
const TAIL = ['-benchmark'];

function need<K extends keyof TaskSpec>(spec: TaskSpec, keys: K[]): Required<Pick<TaskSpec, K>> {
  for (const k of keys) if (spec[k] === undefined) throw new Error(`task ${spec.taskId} (${spec.kind}) has no ${String(k)}`);
  return spec as unknown as Required<Pick<TaskSpec, K>>;
}

export function segmentArgs(spec: TaskSpec, source: string, out: string): string[] {
  const s = need(spec, ['seekSeconds', 'frames', 'fps', 'width', 'height', 'videoBps', 'keyframeFrames']);
  const rate = `${s.fps.num}/${s.fps.den}`;
  return [
    ...COMMON,
    ...(s.seekSeconds === '0' ? [] : ['-ss', s.seekSeconds]),
    '-i', source,
    '-map', '0:v:0', '-an', '-sn', '-dn',
    '-frames:v', String(s.frames),
    '-vf', `scale=${s.width}:${s.height}:flags=bicubic,setsar=1`,
    '-r', rate,
    '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p',
    '-b:v', String(s.videoBps), '-maxrate', String(Math.round(s.videoBps * 1.5)), '-bufsize', String(s.videoBps * 2),
    '-g', String(s.keyframeFrames), '-keyint_min', String(s.keyframeFrames), '-sc_threshold', '0',
    '-f', 'matroska', out,
    ...TAIL,
  ];
}

export function audioArgs(spec: TaskSpec, source: string, out: string): string[] {
  const s = need(spec, ['audioBps']);
  return [...COMMON, '-i', source, '-map', '0:a', '-vn', '-sn', '-dn', '-c:a', 'aac', '-b:a', String(s.audioBps), '-f', 'matroska', out, ...TAIL];
}

/** The concat demuxer's list: one segment file per line, in order (names relative to the list). */
export function concatList(segmentFiles: readonly string[]): string {
  return ['ffconcat version 1.0', ...segmentFiles.map((f) => `file '${f.replace(/'/g, "'\\''")}'`)].join('\n') + '\n';
}

export function assembleArgs(list: string, audio: string | undefined, source: string, out: string, videoOffsetSeconds = 0): string[] {
  // The segments start at 0; the source's first frame may not (a B-frame delay): put it where it was.
  const offset = videoOffsetSeconds > 0 ? ['-itsoffset', videoOffsetSeconds.toFixed(6)] : [];
  const inputs = [...offset, '-f', 'concat', '-safe', '0', '-i', list, ...(audio ? ['-i', audio] : []), '-i', source];
  const src = audio ? 2 : 1;
  return [...COMMON, ...inputs, '-map', '0:v:0', ...(audio ? ['-map', '1:a'] : []), '-map', `${src}:s?`, '-map_metadata', String(src), '-c', 'copy', '-f', 'matroska', out, ...TAIL];
}

export function posterArgs(spec: TaskSpec, source: string, out: string): string[] {
  const s = need(spec, ['atSeconds', 'tileWidth']);
  return [...COMMON, '-ss', s.atSeconds.toFixed(3), '-i', source, '-map', '0:v:0', '-frames:v', '1', '-vf', `scale=${s.tileWidth}:-2`, '-q:v', '3', '-c:v', 'mjpeg', '-f', 'image2', out, ...TAIL];
}

export function spriteArgs(spec: TaskSpec, source: string, out: string): string[] {
  const s = need(spec, ['everySeconds', 'columns', 'rows', 'tileWidth']);
  const filter = `fps=1/${s.everySeconds.toFixed(3)},scale=${s.tileWidth}:-2,tile=${s.columns}x${s.rows}`;
  return [...COMMON, '-i', source, '-map', '0:v:0', '-vf', filter, '-frames:v', '1', '-q:v', '5', '-c:v', 'mjpeg', '-f', 'image2', out, ...TAIL];
}

/** CPU seconds from `-benchmark`'s line (`bench: utime=1.234s stime=0.056s rtime=0.789s`), in ms. */
export function cpuMsFrom(stderr: string): number {
  const m = /bench: utime=([\d.]+)s stime=([\d.]+)s/.exec(stderr);
  return m ? Math.round((Number(m[1]) + Number(m[2])) * 1000) : 0;
}
