/** Central's state as its TUI shows it: headline, sub-servers (load, health, replicas), rooms, uploads. */
import type { Central } from './main.js';
import type { CentralNode } from './node.js';
import type { ServerSnapshot, StatusPanel } from '../../tui/server-view.js';
import { formatDuration } from '../shared/duration.js';
import { clock, positionAt } from '../shared/room.js';

/** `▓▓▓▓░░░░ 52%` in `width` cells. */
export function bar(fraction: number, width = 8): string {
  const f = Math.max(0, Math.min(1, fraction));
  const filled = Math.round(f * width);
  return `${'▓'.repeat(filled)}${'░'.repeat(width - filled)} ${Math.floor(f * 100)}%`;
}

/** The centrals sharing the store (PostgreSQL): which leads, which stand by. */
function centralsPanel(node: CentralNode): StatusPanel {
  return {
    title: `Centrals (${node.centrals().length})`,
    columns: ['address', 'role', 'seen'],
    rows: node.centrals().map((n) => ({
      cells: [n.address + (n.address === node.address ? ' (this one)' : ''), n.leading ? 'leads' : 'stands by', formatDuration(n.seenAgoMs)],
      tone: n.leading ? ('ok' as const) : ('plain' as const),
    })),
    empty: 'asking PostgreSQL…',
  };
}

export function centralPanels(node: CentralNode, nowMs = Date.now()): { headline: string; panels: StatusPanel[] } {
  const central = node.central;
  if (!central) {
    return {
      headline: `watchparty central · ${node.opts.host}:${node.port} · standing by · ${node.leaderAddress ? `the leader is at ${node.leaderAddress}` : 'no central leads yet'}`,
      panels: [centralsPanel(node)],
    };
  }
  const lead = leaderPanels(central, node.port, nowMs);
  return node.centrals().length > 0 ? { headline: lead.headline, panels: [centralsPanel(node), ...lead.panels] } : lead;
}

function leaderPanels(central: Central, port: number, nowMs: number): { headline: string; panels: StatusPanel[] } {
  const st = central.status(nowMs);
  const online = st.subs.reduce((n, s) => n + s.clients, 0);
  const subs: StatusPanel = {
    title: `Sub-servers (${st.subs.length})`,
    // Fits 80 columns with a full address: pid is in `watchparty status`, users are "assigned/online".
    columns: ['id', 'address', 'health', 'users', 'replicas', 'transfer', 'seen'],
    rows: st.subs.map((s) => {
      const t = s.transfers[0];
      return {
        cells: [
          s.id,
          s.address,
          s.draining ? `draining ${Math.ceil(Math.max(0, s.draining.deadlineMs - nowMs) / 1000)} s` : s.misses === 0 ? s.state : `${s.misses}/3 missed`,
          `${s.users}/${s.clients}`,
          `${s.videos}/${st.videos}`,
          t ? `#${t.videoId} ${bar(t.size ? t.offset / t.size : 0, 5)}${s.transfers.length > 1 ? `+${s.transfers.length - 1}` : ''}` : '—',
          formatDuration(nowMs - s.lastSeenMs),
        ],
        tone: s.misses > 0 || s.draining ? ('warn' as const) : s.videos < st.videos ? ('plain' as const) : ('ok' as const),
      };
    }),
    empty: 'no sub-servers yet: start one with "watchparty sub --host <this machine>"',
  };
  const rooms = central.rooms.all();
  const roomPanel: StatusPanel = {
    title: `Rooms (${rooms.length})`,
    columns: ['room', 'video', 'admin', 'state', 'watching'],
    rows: rooms.map((r) => ({
      cells: [r.id, r.videoName, r.admin + (r.adminPresent ? '' : ' (away)'), `${r.paused ? '⏸' : '▶'} ${clock(positionAt(r, nowMs))} / ${clock(r.durationMs)}`, `${r.watching.length}/${r.members.length} ${r.watching.join(', ')}`],
      tone: r.paused ? ('dim' as const) : ('ok' as const),
    })),
    empty: 'no rooms',
  };
  const uploads = central.videos.uploadsInProgress();
  const panels = [subs, roomPanel];
  const jobs = central.jobLines(nowMs);
  const count = (state: string) => jobs.filter((j) => j.state === state).length;
  const active = jobs.filter((j) => j.state === 'running' || j.state === 'failed');
  if (jobs.some((j) => j.state !== 'done' && j.state !== 'cancelled')) {
    panels.push({
      title: `Media jobs: ${count('running')} running, ${count('queued')} queued, ${count('waiting')} waiting, ${count('failed')} failed, ${count('done')} done`,
      columns: ['task', 'video', 'kind', 'worker', 'state'],
      rows: active.slice(0, 12).map((j) => ({
        cells: [String(j.taskId), j.video, `${j.kind}${j.rung ? ' ' + j.rung : ''}${j.segment !== undefined ? ' ' + j.segment : ''}`, j.worker ?? '', j.state === 'running' ? (j.progress !== undefined ? bar(j.progress, 10) : `running ${formatDuration(j.durationMs ?? 0)}`) : `failed: ${(j.error ?? '').split('\n').pop()!.slice(0, 40)}`],
        tone: j.state === 'failed' ? ('warn' as const) : ('ok' as const),
      })),
      empty: 'waiting for a worker sub (watchparty sub --jobs N)',
    });
  }
  if (uploads.length > 0) {
    panels.push({
      title: `Uploads (${uploads.length})`,
      columns: ['name', 'user', 'progress'],
      rows: uploads.map((u) => ({ cells: [u.name, u.user, bar(u.size ? u.stored / u.size : 0, 16)] })),
      empty: '',
    });
  }
  return {
    headline: `watchparty central · ${central.opts.host}:${port} · instance ${st.instance.slice(0, 8)} · up ${formatDuration(st.uptimeMs)} · heartbeat ${st.heartbeatMs / 1000} s · ${st.users} users, ${online} online · ${st.videos} videos`,
    panels,
  };
}

export function centralSnapshot(node: CentralNode): ServerSnapshot {
  return centralPanels(node);
}
