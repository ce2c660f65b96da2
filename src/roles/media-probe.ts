/**
 * What a media file holds, as the job system needs it: streams with their codecs and sizes, counted
 * video frames (packets, read without decoding) and the duration. The probe task runs it on a worker's
 * replica; central runs it on every task output before accepting it.
 */
import { execFile } from 'node:child_process';
import { parseRate, type SourceFacts } from './shared/job-plan.js';

export interface StreamSummary {
  type: 'video' | 'audio' | 'subtitle' | 'other';
  codec: string;
  width: number;
  height: number;
  /** Packets counted in the stream (frames, for video). */
  packets: number;
  rFrameRate?: string;
  avgFrameRate?: string;
  bitRate?: number;
  /** Seconds of its first timestamp (undefined: not said). */
  startTime?: number;
  attachedPic: boolean;
}

export interface MediaSummary {
  durationMs: number;
  /** ffprobe's container name list (`matroska,webm`, `mov,mp4,m4a,3gp,3g2,mj2`…). */
  formatName?: string;
  /** Seconds of the file's first timestamp (players count positions from it). */
  startTime?: number;
  bitRate?: number;
  streams: StreamSummary[];
}

interface Raw {
  format?: { duration?: string; bit_rate?: string; start_time?: string; format_name?: string };
  streams?: {
    codec_type?: string;
    codec_name?: string;
    width?: number;
    height?: number;
    nb_read_packets?: string;
    r_frame_rate?: string;
    avg_frame_rate?: string;
    bit_rate?: string;
    start_time?: string;
    disposition?: { attached_pic?: number };
  }[];
}

/** Turn ffprobe's JSON into a summary (pure; unknown or missing numbers read as 0 / undefined). */
export function summarize(json: string): MediaSummary {
  const raw = JSON.parse(json) as Raw;
  const num = (s: string | undefined) => (s !== undefined && Number.isFinite(Number(s)) ? Number(s) : undefined);
  return {
    durationMs: Math.round((num(raw.format?.duration) ?? 0) * 1000),
    ...(num(raw.format?.bit_rate) !== undefined ? { bitRate: num(raw.format?.bit_rate)! } : {}),
    ...(num(raw.format?.start_time) !== undefined ? { startTime: num(raw.format?.start_time)! } : {}),
    ...(raw.format?.format_name ? { formatName: raw.format.format_name } : {}),
    streams: (raw.streams ?? []).map((s) => ({
      type: s.codec_type === 'video' || s.codec_type === 'audio' || s.codec_type === 'subtitle' ? s.codec_type : 'other',
      codec: s.codec_name ?? 'unknown',
      width: s.width ?? 0,
      height: s.height ?? 0,
      packets: num(s.nb_read_packets) ?? 0,
      ...(s.r_frame_rate ? { rFrameRate: s.r_frame_rate } : {}),
      ...(s.avg_frame_rate ? { avgFrameRate: s.avg_frame_rate } : {}),
      ...(num(s.bit_rate) !== undefined ? { bitRate: num(s.bit_rate)! } : {}),
      ...(num(s.start_time) !== undefined ? { startTime: num(s.start_time)! } : {}),
      attachedPic: Boolean(s.disposition?.attached_pic),
    })),
  };
}

/** The first real video stream (cover art is not one). */
export function mainVideo(m: MediaSummary): StreamSummary | undefined {
  return m.streams.find((s) => s.type === 'video' && !s.attachedPic && s.width > 0);
}

/** Containers whose index lets a seek land exactly on a keyframe. */
const INDEXED = /(^|,)(matroska|webm|mov|mp4)(,|$)/;

/**
 * Where a source may be cut, from its video packets in decode order (`pts`, keyframe flag): the display
 * index of every keyframe that opens a closed GOP (no later packet shows before it), at least
 * `minGapFrames` after the last one kept (the plan cuts no closer: a list of every keyframe of a long
 * all-intra file would not fit in a message). Cutting at an open GOP's keyframe would leave frames that
 * need the GOP before it.
 */
export function cutPoints(packets: readonly { pts: number; key: boolean }[], minGapFrames = 0): number[] {
  const order = packets.map((p) => p.pts).sort((a, b) => a - b);
  const displayIndex = (pts: number) => {
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (order[mid]! < pts) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const cuts: number[] = [];
  let open: { pts: number; closed: boolean } | undefined;
  for (const p of packets) {
    if (p.key) {
      if (open?.closed) cuts.push(displayIndex(open.pts));
      open = { pts: p.pts, closed: true };
    } else if (open && p.pts < open.pts) open.closed = false;
  }
  if (open?.closed) cuts.push(displayIndex(open.pts));
  const kept: number[] = [];
  for (const k of cuts) if (kept.length === 0 || k - kept[kept.length - 1]! >= minGapFrames) kept.push(k);
  return kept;
}

/** The source's cut points at least `minGapFrames` apart (see cutPoints), reading every video packet's timestamp and flags. */
export function probeKeyframes(file: string, minGapFrames = 0, timeoutMs = 300_000): Promise<number[]> {
  const args = ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time,flags', '-of', 'csv=p=0', file];
  return new Promise((resolve, reject) => {
    execFile('ffprobe', args, { timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 }, (err, stdout) => {
      if (err) {
        reject(new Error(err.killed ? `ffprobe gave no answer within ${timeoutMs / 1000} s` : 'ffprobe could not list the packets'));
        return;
      }
      const packets = stdout.split('\n').flatMap((line) => {
        const [pts, flags] = line.split(',');
        const t = Number(pts);
        return pts && Number.isFinite(t) ? [{ pts: t, key: (flags ?? '').includes('K') }] : [];
      });
      resolve(cutPoints(packets, minGapFrames));
    });
  });
}

/** The job plan's view of a source; undefined when it has no usable video stream or frame rate. */
export function sourceFacts(m: MediaSummary, keyframes?: number[]): SourceFacts | undefined {
  const v = mainVideo(m);
  const fps = parseRate(v?.rFrameRate) ?? parseRate(v?.avgFrameRate);
  if (!v || !fps || v.packets <= 0) return undefined;
  const avg = parseRate(v.avgFrameRate);
  // A constant rate reads the same both ways; a variable one does not (within a thousandth).
  const variableRate = !avg || Math.abs(avg.num / avg.den - fps.num / fps.den) > (fps.num / fps.den) * 0.001;
  const audioBps = m.streams.filter((s) => s.type === 'audio').reduce((sum, s) => sum + (s.bitRate ?? 0), 0);
  const videoBps = v.bitRate ?? (m.bitRate !== undefined ? Math.max(0, m.bitRate - audioBps) || undefined : undefined);
  return {
    width: v.width,
    height: v.height,
    fps,
    frames: v.packets,
    durationMs: m.durationMs,
    ...(videoBps ? { videoBps } : {}),
    audioStreams: m.streams.filter((s) => s.type === 'audio').length,
    subtitleStreams: m.streams.filter((s) => s.type === 'subtitle').length,
    variableRate,
    // Where the first frame is shown, counted from the file's start: a rendition keeps it there.
    videoStartMs: Math.max(0, Math.round(((v.startTime ?? 0) - (m.startTime ?? 0)) * 1000)),
    ...(keyframes ? { keyframes } : {}),
    indexed: INDEXED.test(m.formatName ?? ''),
  };
}

/** Run ffprobe on `file`, counting packets (reads the whole container, decodes nothing). */
export function probeMedia(file: string, timeoutMs = 120_000): Promise<MediaSummary> {
  const args = ['-v', 'error', '-count_packets', '-print_format', 'json', '-show_entries', 'format=duration,bit_rate,start_time,format_name:stream=codec_type,codec_name,width,height,nb_read_packets,r_frame_rate,avg_frame_rate,bit_rate,start_time:stream_disposition=attached_pic', file];
  return new Promise((resolve, reject) => {
    execFile('ffprobe', args, { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const last = String(stderr).trim().split('\n').pop()?.split(file).join('the file') ?? '';
        reject(new Error(err.killed ? `ffprobe gave no answer within ${timeoutMs / 1000} s` : `ffprobe: ${last.slice(0, 300) || 'could not read the file'}`));
        return;
      }
      try {
        resolve(summarize(stdout));
      } catch {
        reject(new Error('ffprobe gave no readable answer'));
      }
    });
  });
}
