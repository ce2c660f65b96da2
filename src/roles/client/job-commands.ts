/** jobs, jobs retry, jobs cancel: the media-job list from the command line (the original design's job list). */
import type { Command } from 'commander';
import type { JobLine } from '../../net/job-messages.js';
import type { Peer } from '../../net/peer.js';
import { WatchpartyError } from '../../core/errors.js';
import { common, out, withSession, type CommonOptions } from './command-kit.js';
import { operatorSecret } from './delete-video.js';
import { findVideo } from './video-commands.js';
import { formatBytes } from './progress-bar.js';
import { jobRows, jobsSettled } from './job-table.js';

/** `jobs --json`: one object per task, times in seconds like the other JSON outputs. */
export function jobJson(t: JobLine) {
  return {
    id: t.taskId,
    video: t.video,
    video_id: t.videoId,
    kind: t.kind,
    rendition: t.rung ?? null,
    segment: t.segment ?? null,
    worker: t.worker ?? null,
    state: t.state,
    attempts: t.attempts,
    size: t.size ?? null,
    duration: t.durationMs !== undefined ? t.durationMs / 1000 : null,
    cpu: t.cpuMs !== undefined ? t.cpuMs / 1000 : null,
    error: t.error ?? null,
  };
}

async function listFor(peer: Peer, videoName: string | undefined): Promise<JobLine[]> {
  let videoId: number | undefined;
  if (videoName !== undefined) {
    const { videos } = await peer.request('videos.list', {});
    videoId = findVideo(videos, videoName).id;
  }
  return (await peer.request('jobs.list', videoId !== undefined ? { videoId } : {})).tasks;
}

function table(tasks: JobLine[]): string {
  if (tasks.length === 0) return 'no media jobs yet: every upload gets one (renditions, a poster and a preview sprite)';
  const rows = jobRows(tasks, formatBytes);
  const widths = rows[0]!.map((_, i) => Math.min(40, Math.max(...rows.map((r) => r[i]!.length))));
  return rows.map((r) => r.map((c, i) => (c.length > widths[i]! ? c.slice(0, widths[i]! - 1) + '…' : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

export function registerJobCommands(program: Command): void {
  // Its subcommands have the same options: they must not be taken for the list's (`jobs retry 4 --profile bob`).
  const jobs = common(program.command('jobs').enablePositionalOptions())
    .description('the media jobs: every task of every upload (probe, segments, audio, assemble, poster, sprite), its worker and state')
    .option('--json', 'print a JSON array (with --follow: one array per change, a line each)')
    .option('--follow', 'keep printing as tasks change, until none is waiting, queued or running')
    .option('--video <name>', 'only this video')
    .addHelpText(
      'after',
      `
Examples:
  $ watchparty jobs
  $ watchparty jobs --video holiday.mp4 --follow
  $ watchparty jobs --json | jq '.[] | select(.state == "failed")'
  $ watchparty jobs retry 42
  $ watchparty jobs cancel holiday.mp4 --replan`,
    )
    .action(async (o: CommonOptions & { json?: boolean; follow?: boolean; video?: string }) => {
      await withSession(o, async (s) => {
        let last = '';
        for (;;) {
          const tasks = await listFor(s.peer, o.video);
          const text = o.json ? JSON.stringify(tasks.map(jobJson)) : table(tasks);
          if (text !== last) {
            if (o.follow && !o.json && process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[H');
            out(text);
            last = text;
          }
          if (!o.follow || jobsSettled(tasks)) return;
          await new Promise((r) => setTimeout(r, 1000));
        }
      });
    });

  common(jobs.command('retry <id>'))
    .description('run a task again (and whatever was made from it); for the uploader, or an operator with the cluster secret')
    .option('--secret-file <file>', "as an operator, for someone else's video: the cluster secret's file (or set WATCHPARTY_SECRET)")
    .addHelpText('after', '\nExamples:\n  $ watchparty jobs retry 42')
    .action(async (id: string, o: CommonOptions & { secretFile?: string }) => {
      if (!/^\d{1,9}$/.test(id) || Number(id) < 1) throw new WatchpartyError('BAD_INPUT', `"${id}" is not a task id: "watchparty jobs" lists them`);
      const secret = operatorSecret({ file: o.secretFile, env: process.env.WATCHPARTY_SECRET });
      await withSession(o, (s) => s.peer.request('jobs.retry', { taskId: Number(id), ...(secret ? { secret } : {}) }));
      out(`task ${id} is queued again`);
    });

  common(jobs.command('cancel <video>'))
    .description("stop a video's processing (the source stays playable); with --replan, throw its renditions away and start afresh")
    .option('--replan', 'plan the processing again from the probe')
    .option('--secret-file <file>', "as an operator, for someone else's video: the cluster secret's file (or set WATCHPARTY_SECRET)")
    .addHelpText('after', '\nExamples:\n  $ watchparty jobs cancel holiday.mp4\n  $ watchparty jobs cancel holiday.mp4 --replan')
    .action(async (name: string, o: CommonOptions & { replan?: boolean; secretFile?: string }) => {
      const secret = operatorSecret({ file: o.secretFile, env: process.env.WATCHPARTY_SECRET });
      const { cancelled, video } = await withSession(o, async (s) => {
        const { videos } = await s.peer.request('videos.list', {});
        const video = findVideo(videos, name);
        const r = await s.peer.request('jobs.cancel', { videoId: video.id, ...(o.replan ? { replan: true } : {}), ...(secret ? { secret } : {}) });
        return { ...r, video };
      });
      out(`cancelled ${cancelled} task(s) of "${video.name}"${o.replan ? '; planned afresh' : ''}`);
    });
}
