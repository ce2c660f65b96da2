/** Central's state as its TUI shows it: headline plus the sub-server table. */
import type { Central } from './main.js';
import type { ServerSnapshot, StatusPanel } from '../../tui/server-view.js';
import { formatDuration } from '../shared/duration.js';

export function centralPanels(central: Central, nowMs = Date.now()): { headline: string; panels: StatusPanel[] } {
  const st = central.status(nowMs);
  const subs: StatusPanel = {
    title: `Sub-servers (${st.subs.length})`,
    columns: ['id', 'address', 'pid', 'state', 'misses', 'users', 'clients', 'last seen'],
    rows: st.subs.map((s) => ({
      cells: [s.id, s.address, String(s.pid), s.state, `${s.misses}/3`, String(s.users), String(s.clients), `${formatDuration(nowMs - s.lastSeenMs)} ago`],
      tone: s.state === 'alive' ? 'ok' : 'warn',
    })),
    empty: 'no sub-servers yet: start one with "watchparty sub --host <this machine>"',
  };
  return {
    headline: `watchparty central · ${central.opts.host}:${central.port} · instance ${st.instance.slice(0, 8)} · up ${formatDuration(st.uptimeMs)} · heartbeat ${st.heartbeatMs / 1000} s · ${st.users} users`,
    panels: [subs],
  };
}

export function centralSnapshot(central: Central): ServerSnapshot {
  return centralPanels(central);
}
