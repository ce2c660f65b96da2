/** A sub's state as its TUI shows it: link to central, connected clients, replicas and transfers. */
import type { Sub } from './main.js';
import type { StatusPanel } from '../../tui/server-view.js';
import { formatDuration } from '../shared/duration.js';
import { bar } from '../central/view.js';

export function subPanels(sub: Sub, nowMs = Date.now()): { headline: string; panels: StatusPanel[] } {
  const clients = sub.sessions.list();
  const link = sub.link === 'registered' ? `registered as ${sub.subId}` : sub.link === 'lost' ? 'LOST, reconnecting…' : 'connecting…';
  const panel: StatusPanel = {
    title: `${sub.subId ?? 'sub'} ${sub.opts.bind}:${sub.port} · central: ${link} · clients (${clients.length})`,
    columns: ['user', 'address', 'connected'],
    rows: clients.map((c) => ({ cells: [c.user, c.address, `${formatDuration(nowMs - c.sinceMs)} ago`], tone: 'ok' })),
    empty: 'no clients connected',
  };
  const held = sub.replicas.replicas();
  const transfers = sub.replicas.transfers();
  const replicas: StatusPanel = {
    title: `Replicas: ${held.length} held, ${transfers.length} arriving`,
    columns: ['video', 'name', 'progress'],
    rows: transfers.map((t) => ({ cells: [`#${t.videoId}`, sub.replicas.video(t.videoId)?.name ?? '', bar(t.size ? t.offset / t.size : 0, 20)], tone: 'warn' as const })),
    empty: held.length ? `all ${held.length} replicas verified` : 'no videos yet',
  };
  const tasks = sub.worker.tasks();
  const work: StatusPanel = {
    title: `Media tasks: ${tasks.length}/${sub.opts.jobs} slots busy · ${sub.renditions.replicas().length} renditions held`,
    columns: ['task', 'kind', 'video', 'progress'],
    rows: tasks.map((t) => ({ cells: [String(t.taskId), `${t.kind}${t.rung ? ' ' + t.rung : ''}`, sub.replicas.video(t.videoId)?.name ?? `#${t.videoId}`, t.progress !== undefined ? bar(t.progress, 16) : `${formatDuration(nowMs - t.startedMs)}`], tone: 'ok' as const })),
    empty: sub.opts.jobs > 0 ? 'idle: no task for this sub right now' : 'streaming only (--jobs 0)',
  };
  return {
    headline: `watchparty ${sub.subId ?? 'sub'} · ${sub.opts.bind}:${sub.port} · central ${sub.centralAddress}: ${link} · ${held.length} replicas${sub.drain.draining ? ` · ${sub.drain.text(nowMs)}` : ''}`,
    panels: [panel, replicas, work],
  };
}
