/** upload, videos, play: the catalogue from the command line. */
import path from 'node:path';
import { Option, type Command } from 'commander';
import { parseQuality } from './quality-driver.js';
import chalk from 'chalk';
import type { VideoInfo } from '../../net/messages.js';
import { WatchpartyError } from '../../core/errors.js';
import { formatDuration } from '../shared/duration.js';
import { common, out, withSession, type CommonOptions } from './command-kit.js';
import { copyBook } from './profile.js';
import { defaultVideoName, uploadFile, uploadRetryDelayMs } from './upload.js';
import { sleep } from '../../net/dial.js';
import { formatBytes, stderrProgress } from './progress-bar.js';
import { playAlone } from './play.js';
import { parseSeekTarget } from './seek-target.js';
import { searchKey } from '../shared/search-key.js';
import { deletedText, deleteVideo, operatorSecret } from './delete-video.js';
import { promptYesNo } from './prompt.js';
import { renditionsText } from '../shared/job-plan.js';

/** `--start` takes the same times as `control … seek` (90, 1:30), but only absolute ones. */
function parseStart(value: string): number {
  const target = parseSeekTarget(value);
  if (target.kind !== 'absolute') throw new WatchpartyError('BAD_INPUT', `--start ${value}: give a time from the beginning, e.g. --start 30 or --start 1:30`);
  return target.positionMs / 1000;
}

/**
 * Exact name first, then ignoring case, then ignoring case and accents ("fete.mp4" finds "Fête.mp4")
 * when that names one video; otherwise UNKNOWN_VIDEO naming close matches.
 */
export function findVideo(videos: VideoInfo[], name: string): VideoInfo {
  const key = searchKey(name);
  const loose = videos.filter((v) => searchKey(v.name) === key);
  const exact = videos.find((v) => v.name === name) ?? videos.find((v) => v.name.toLowerCase() === name.toLowerCase()) ?? (loose.length === 1 ? loose[0] : undefined);
  if (exact) return exact;
  const near = videos.filter((v) => searchKey(v.name).includes(key)).slice(0, 3);
  throw new WatchpartyError('UNKNOWN_VIDEO', `no video named "${name}"${near.length ? `; did you mean ${near.map((v) => `"${v.name}"`).join(', ')}?` : ''}`);
}

/** One JSON shape for a video, printed by both `upload --json` and `videos --json` (duration in seconds). */
export function videoJson(v: VideoInfo) {
  return {
    name: v.name,
    size: v.size,
    duration: v.durationMs / 1000,
    width: v.width,
    height: v.height,
    uploader: v.uploader,
    sha256: v.sha256,
    replicas: v.replicas,
    id: v.id,
    renditions: (v.renditions ?? []).map((r) => ({ rung: r.rung, width: r.width, height: r.height, bitrate: r.bps, size: r.size, replicas: r.replicas })),
    processing: v.processing ?? null,
  };
}


export function registerVideoCommands(program: Command): void {
  common(program.command('upload <file>'))
    .description('upload a video; run the same command again to resume an interrupted upload')
    .option('--name <name>', 'name in the catalogue (default: the file name)')
    .option('--json', 'print the published video as JSON')
    .addHelpText('after', '\nExamples:\n  $ watchparty upload ~/Videos/holiday.mp4\n  $ watchparty upload clip.mkv --name "Team demo" --json')
    .action(async (file: string, o: CommonOptions & { name?: string }) => {
      const abs = path.resolve(file);
      const name = o.name ?? defaultVideoName(abs);
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      // A sub that drains (or dies) under the upload: open a session on the next one and go on from
      // what central holds (the file is hashed once). A sub that lost central: wait for the new leader.
      let video: VideoInfo | undefined;
      for (let attempt = 1; !video; attempt++) {
        try {
          video = await withSession(o, (s, profile) => uploadFile(s.peer, abs, name, stderrProgress(), stop.signal, copyBook(profile)));
        } catch (err) {
          const delayMs = stop.signal.aborted ? undefined : uploadRetryDelayMs(err, attempt);
          if (delayMs === undefined) throw err;
          const centralLost = Boolean((err as WatchpartyError).details?.centralLost);
          process.stderr.write(chalk.dim(`${centralLost ? 'the sub lost central mid-upload' : 'lost the sub mid-upload'} (${(err as Error).message}); continuing ${centralLost ? 'once it has a leader again' : 'through another'}…\n`));
          await sleep(delayMs);
        }
      }
      if (o.json) out(JSON.stringify(videoJson(video)));
      else out(`uploaded "${video.name}" (#${video.id}, ${formatBytes(video.size)}, ${formatDuration(video.durationMs)}, ${video.width}x${video.height})`);
    });

  common(program.command('videos'))
    .description('the catalogue: every uploaded video with its size, duration, replica count and renditions')
    .option('--json', 'print a JSON array')
    .addHelpText('after', '\nExamples:\n  $ watchparty videos\n  $ watchparty videos --json | jq -r .[].name')
    .action(async (o: CommonOptions) => {
      const { videos } = await withSession(o, (s) => s.peer.request('videos.list', {}));
      if (o.json) {
        out(JSON.stringify(videos.map(videoJson)));
        return;
      }
      if (videos.length === 0) {
        out('no videos yet: upload one with "watchparty upload FILE"');
        return;
      }
      const rows = [['NAME', 'DURATION', 'SIZE', 'RESOLUTION', 'UPLOADER', 'REPLICAS', 'RENDITIONS'], ...videos.map((v) => [v.name, formatDuration(v.durationMs), formatBytes(v.size), `${v.width}x${v.height}`, v.uploader, String(v.replicas), renditionsText(v)])];
      const widths = rows[0]!.map((_, i) => Math.min(60, Math.max(...rows.map((r) => r[i]!.length))));
      for (const r of rows) out(r.map((c, i) => (c.length > widths[i]! ? c.slice(0, widths[i]! - 1) + '…' : c.padEnd(widths[i]!))).join('  ').trimEnd());
    });

  common(program.command('delete <name>'))
    .description('delete a video everywhere: from central, every sub and every room on it (which closes)')
    .option('-y, --yes', 'do not ask first (needed when there is no terminal to ask on)')
    .option('--secret-file <file>', "as an operator, delete someone else's video: the cluster secret's file (or set WATCHPARTY_SECRET)")
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nOnly the uploader can delete a video, or an operator holding the cluster secret.\n\nExamples:\n  $ watchparty delete "holiday.mp4"\n  $ watchparty delete clip.mkv --yes\n  $ WATCHPARTY_SECRET="$(cat ~/.local/share/watchparty/central/secret)" watchparty delete spam.mp4 --yes')
    .action(async (name: string, o: CommonOptions & { yes?: boolean; secretFile?: string }) => {
      const secret = operatorSecret({ file: o.secretFile, env: process.env.WATCHPARTY_SECRET });
      const result = await withSession(o, async (s) => {
        const { videos } = await s.peer.request('videos.list', {});
        const video = findVideo(videos, name);
        if (!o.yes) {
          if (!process.stdin.isTTY || !process.stderr.isTTY) throw new WatchpartyError('BAD_INPUT', `not deleting "${video.name}" without asking, and there is no terminal to ask on`, { hint: 'Add --yes to delete it.' });
          if (!(await promptYesNo(`delete "${video.name}" for everyone (rooms on it close)? [y/N] `))) return undefined;
        }
        return deleteVideo(s.peer, video, secret);
      });
      if (!result) process.stderr.write('not deleted\n');
      else out(o.json ? JSON.stringify(result) : deletedText(result));
    });

  common(program.command('play <name>'))
    .description('play a video alone in a local mpv, streamed from your sub-server')
    .option('--headless', 'no window or sound (mpv --vo=null --ao=null); print the position as JSON once a second')
    .option('--mpv-ipc <path>', "mpv's IPC socket path, so other tools can observe it")
    .addOption(new Option('--start <seconds>', 'start at this position').argParser(parseStart))
    .addOption(new Option('--quality <q>', 'source, or a rendition such as 480p ("watchparty videos" lists them)').default('source').argParser(parseQuality))
    .addHelpText('after', '\nExamples:\n  $ watchparty play "holiday.mp4"\n  $ watchparty play clip.mkv --quality 480p\n  $ watchparty play clip.mkv --headless --start 30')
    .action(async (name: string, o: CommonOptions & { headless?: boolean; mpvIpc?: string; start?: number; quality: string }) => {
      await withSession(o, async (s, profile) => {
        const { videos } = await s.peer.request('videos.list', {});
        const video = findVideo(videos, name);
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        await playAlone({
          signal: stop.signal,
          // Until mpv runs, Ctrl-C simply ends the command; from then on it stops mpv first.
          onStarted: () => {
            process.once('SIGINT', onSignal);
            process.once('SIGTERM', onSignal);
          },
          session: s,
          token: profile.data.token!,
          video,
          quality: o.quality,
          headless: Boolean(o.headless),
          ...(o.mpvIpc ? { ipcPath: path.resolve(o.mpvIpc) } : {}),
          startSeconds: o.start ?? 0,
          onLine: (line) => out(line),
          onInfo: (msg) => process.stderr.write(chalk.dim(msg) + '\n'),
        }).finally(() => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        });
      });
    });
}
