/** A sub's state as its TUI shows it: link to central and connected clients. */
import type { Sub } from './main.js';
import type { StatusPanel } from '../../tui/server-view.js';
import { formatDuration } from '../shared/duration.js';

export function subPanels(sub: Sub, nowMs = Date.now()): { headline: string; panels: StatusPanel[] } {
  const clients = sub.sessions.list();
  const link = sub.link === 'registered' ? `registered as ${sub.subId}` : sub.link === 'lost' ? 'LOST, reconnecting…' : 'connecting…';
  const panel: StatusPanel = {
    title: `${sub.subId ?? 'sub'} ${sub.opts.bind}:${sub.port} · central: ${link} · clients (${clients.length})`,
    columns: ['user', 'address', 'connected'],
    rows: clients.map((c) => ({ cells: [c.user, c.address, `${formatDuration(nowMs - c.sinceMs)} ago`], tone: 'ok' })),
    empty: 'no clients connected',
  };
  return {
    headline: `watchparty ${sub.subId ?? 'sub'} · ${sub.opts.bind}:${sub.port} · central ${sub.opts.central}: ${link}`,
    panels: [panel],
  };
}
