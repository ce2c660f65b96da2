/** Ask ffprobe what a file is: a playable video has a video stream with a size and a positive duration. */
import { execFile } from 'node:child_process';
import { WatchpartyError } from '../../core/errors.js';

export interface VideoFacts {
  durationMs: number;
  width: number;
  height: number;
  videoCodec: string;
  audioCodec: string | null;
}

interface FfprobeOutput {
  format?: { duration?: string };
  streams?: { codec_type?: string; codec_name?: string; width?: number; height?: number; duration?: string; disposition?: { attached_pic?: number } }[];
}

/**
 * Why ffprobe refused a file, in words fit for the uploader: its last line of stderr with central's
 * path to the file taken out. Never execFile's message, which is the whole command line.
 */
export function ffprobeReason(stderr: string, file: string, killed: boolean, timeoutMs: number): string {
  if (killed) return `ffprobe gave no answer within ${Math.round(timeoutMs / 1000)} s`;
  const last = stderr.trim().split('\n').pop()?.trim() ?? '';
  const why = last.split(file).join('the file').replace(/^the file: /, '');
  return why ? `ffprobe: ${why.slice(0, 200)}` : 'ffprobe could not read it';
}

/** Probe `file`; throws NOT_A_VIDEO (with ffprobe's reason) for anything mpv could not play as a video. */
export function probeVideo(file: string, timeoutMs = 30_000): Promise<VideoFacts> {
  return new Promise((resolve, reject) => {
    execFile('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file], { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new WatchpartyError('TOOL_MISSING', 'ffprobe is not installed on central', { hint: 'Install ffmpeg on the central machine: sudo apt-get install ffmpeg' }));
        return;
      }
      if (err) {
        reject(new WatchpartyError('NOT_A_VIDEO', `the file is not a playable video (${ffprobeReason(String(stderr), file, Boolean(err.killed), timeoutMs)})`));
        return;
      }
      let out: FfprobeOutput;
      try {
        out = JSON.parse(stdout) as FfprobeOutput;
      } catch {
        reject(new WatchpartyError('NOT_A_VIDEO', 'the file is not a playable video (ffprobe gave no readable answer)'));
        return;
      }
      const streams = out.streams ?? [];
      // Cover art in an audio file is a "video" stream too; it is not something to watch.
      const video = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic && (s.width ?? 0) > 0);
      const audio = streams.find((s) => s.codec_type === 'audio');
      const seconds = Number(out.format?.duration ?? video?.duration);
      if (!video || !Number.isFinite(seconds) || seconds <= 0) {
        reject(new WatchpartyError('NOT_A_VIDEO', `the file is not a playable video (${video ? 'it has no duration: a still image?' : 'it has no video stream'})`));
        return;
      }
      resolve({
        durationMs: Math.round(seconds * 1000),
        width: video.width ?? 0,
        height: video.height ?? 0,
        videoCodec: video.codec_name ?? 'unknown',
        audioCodec: audio?.codec_name ?? null,
      });
    });
  });
}

/** Fail at start, not after a whole upload, when ffprobe cannot be run. */
export function checkFfprobe(timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('ffprobe', ['-version'], { timeout: timeoutMs }, (err) => {
      if (!err) resolve();
      else if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new WatchpartyError('TOOL_MISSING', 'ffprobe is not installed: central needs it to check every upload', { hint: 'Install ffmpeg on this machine (it provides ffprobe): sudo apt-get install ffmpeg' }));
      } else reject(new WatchpartyError('TOOL_MISSING', `ffprobe does not run: ${err.message.split('\n')[0]}`, { hint: 'Reinstall ffmpeg on this machine: sudo apt-get install --reinstall ffmpeg' }));
    });
  });
}
