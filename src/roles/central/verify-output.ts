/**
 * Whether a task's output is what was asked for, from ffprobe's summary of it (pure): a segment has
 * exactly its frames at its rung's height in H.264, an audio output every audio stream of the source for
 * its whole length, a rendition every frame of the source with its audio, a poster or sprite a picture.
 * A refusal says why; the task is then tried again like any failure.
 */
import { mainVideo, type MediaSummary } from '../media-probe.js';
import type { SourceFacts, TaskKind } from '../shared/job-plan.js';
import type { VideoRow } from './store.js';

export interface Expected {
  kind: TaskKind;
  facts?: SourceFacts;
  frames?: number;
  height?: number;
}

/** Audio may end this much before the video (encoder padding and the last frame's length). */
const AUDIO_SLACK_MS = 1000;

/** Undefined when `m` is an acceptable output for the task; otherwise why not. */
export function refusal(m: MediaSummary, e: Expected): string | undefined {
  const v = mainVideo(m);
  const audio = m.streams.filter((s) => s.type === 'audio');
  switch (e.kind) {
    case 'segment':
      if (!v) return 'the segment has no video stream';
      if (v.codec !== 'h264') return `the segment is ${v.codec}, not h264`;
      if (e.height !== undefined && v.height !== e.height) return `the segment is ${v.height} pixels high, not ${e.height}`;
      if (e.frames !== undefined && v.packets !== e.frames) return `the segment has ${v.packets} frames, not ${e.frames}`;
      return undefined;
    case 'audio':
      if (!e.facts) return 'no facts to check the audio against';
      if (audio.length !== e.facts.audioStreams) return `the audio has ${audio.length} streams, the source ${e.facts.audioStreams}`;
      if (audio.some((a) => a.codec !== 'opus')) return 'the audio is not all Opus';
      if (m.durationMs < e.facts.durationMs - AUDIO_SLACK_MS) return `the audio lasts ${m.durationMs} ms, the source ${e.facts.durationMs} ms`;
      return undefined;
    case 'assemble':
      if (!e.facts) return 'no facts to check the rendition against';
      if (!v) return 'the rendition has no video stream';
      if (e.height !== undefined && v.height !== e.height) return `the rendition is ${v.height} pixels high, not ${e.height}`;
      if (v.packets !== e.facts.frames) return `the rendition has ${v.packets} frames, the source ${e.facts.frames}`;
      if (audio.length !== e.facts.audioStreams) return `the rendition has ${audio.length} audio streams, the source ${e.facts.audioStreams}`;
      return undefined;
    case 'poster':
    case 'sprite':
      if (!v || v.codec !== 'mjpeg') return `the ${e.kind} is not a JPEG picture`;
      return undefined;
    case 'probe':
      return undefined;
  }
}

/** Why a probe's facts cannot be those of this video (a broken file or a lying worker), or undefined. */
export function implausibleProbe(f: SourceFacts, video: Pick<VideoRow, 'width' | 'height' | 'durationMs'>): string | undefined {
  if (f.width !== video.width || f.height !== video.height) return `the probe saw ${f.width}x${f.height}, the catalogue ${video.width}x${video.height}`;
  const fps = f.fps.num / f.fps.den;
  if (fps < 1 || fps > 300) return `a frame rate of ${fps.toFixed(3)} per second is not one to encode (1 to 300)`;
  if (Math.abs(f.durationMs - video.durationMs) > Math.max(2000, video.durationMs * 0.05)) return `the probe saw ${f.durationMs} ms, the catalogue ${video.durationMs} ms`;
  const expected = (f.durationMs / 1000) * fps;
  if (!f.variableRate && Math.abs(f.frames - expected) > Math.max(10, expected * 0.1)) return `${f.frames} frames do not fit ${f.durationMs} ms at ${fps.toFixed(3)} per second`;
  return undefined;
}
