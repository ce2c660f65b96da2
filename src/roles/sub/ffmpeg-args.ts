/**
 * The ffmpeg command line of each media task, as pure functions of its spec (Debian's ffmpeg 5.1):
 *   segment   seek to the segment's first frame (a keyframe of the source), decode its frames once and
 *             encode every rung from them: H.264 at each rung's size and bitrate, keyframes every
 *             keyframeFrames, no scene cuts (closed GOPs), the source's constant rate
 *   audio     every audio stream of the source, decoded once, Opus at each rung's bitrate, for the whole file:
 *             Matroska tells the decoder Opus's pre-skip, so the audio starts exactly where the source's
 *             does (AAC's 1024 priming samples are not signalled in Matroska: 21 ms late at 48 kHz, 128 ms
 *             at 8 kHz, measured as a lip-sync error and as the members' audio positions apart)
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

/** One segment decoded once, every rung encoded from it: `outs[k]` is rung k's file. */
export function segmentArgs(spec: TaskSpec, source: string, outs: readonly string[]): string[] {
  const s = need(spec, ['seekSeconds', 'frames', 'fps', 'rungs', 'keyframeFrames']);
  if (outs.length !== s.rungs.length) throw new Error(`task ${spec.taskId}: ${s.rungs.length} rungs but ${outs.length} outputs`);
  const rate = `${s.fps.num}/${s.fps.den}`;
  // Just past a keyframe without accurate seeking: ffmpeg reads from that keyframe and drops nothing.
  const seek = s.seekSeconds === '0' ? [] : ['-noaccurate_seek', '-ss', s.seekSeconds];
  const graph = `[0:v]split=${s.rungs.length}${s.rungs.map((_, k) => `[s${k}]`).join('')};` + s.rungs.map((r, k) => `[s${k}]scale=${r.width}:${r.height}:flags=bicubic,setsar=1[v${k}]`).join(';');
  const perRung = s.rungs.flatMap((r, k) => [
    '-map', `[v${k}]`, '-frames:v', String(s.frames), '-r', rate,
    '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p',
    '-b:v', String(r.videoBps), '-maxrate', String(Math.round(r.videoBps * 1.5)), '-bufsize', String(r.videoBps * 2),
    '-g', String(s.keyframeFrames), '-keyint_min', String(s.keyframeFrames), '-sc_threshold', '0',
    '-f', 'matroska', outs[k]!,
  ]);
  return [...COMMON, ...seek, '-i', source, '-filter_complex', graph, '-an', '-sn', '-dn', ...perRung, ...TAIL];
}

/** Every audio stream of the source, decoded once, encoded at each rung's bitrate: `outs[k]` is rung k's. */
export function audioArgs(spec: TaskSpec, source: string, outs: readonly string[]): string[] {
  const s = need(spec, ['audioRungs']);
  if (outs.length !== s.audioRungs.length) throw new Error(`task ${spec.taskId}: ${s.audioRungs.length} rungs but ${outs.length} outputs`);
  const perRung = s.audioRungs.flatMap((r, k) => ['-map', '0:a', '-vn', '-sn', '-dn', '-c:a', 'libopus', '-b:a', String(r.audioBps), '-f', 'matroska', outs[k]!]);
  return [...COMMON, '-i', source, ...perRung, ...TAIL];
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
  // Keyframes only are decoded (a preview needs no more): decoding every frame cost more than some rungs.
  const filter = `fps=1/${s.everySeconds.toFixed(3)},scale=${s.tileWidth}:-2,tile=${s.columns}x${s.rows}`;
  return [...COMMON, '-skip_frame', 'nokey', '-i', source, '-map', '0:v:0', '-vf', filter, '-frames:v', '1', '-q:v', '5', '-c:v', 'mjpeg', '-f', 'image2', out, ...TAIL];
}

/** CPU seconds from `-benchmark`'s line (`bench: utime=1.234s stime=0.056s rtime=0.789s`), in ms. */
export function cpuMsFrom(stderr: string): number {
  const m = /bench: utime=([\d.]+)s stime=([\d.]+)s/.exec(stderr);
  return m ? Math.round((Number(m[1]) + Number(m[2])) * 1000) : 0;
}
