/**
 * The watched room: its video, admin, members with presence, play state, the shared position and
 * this player's own sync figures. The video itself plays in mpv; this is its control panel.
 */
import type { ReactNode } from 'react';
import { Box, Text } from 'ink';
import type { WatchState } from '../client-session.js';
import { Panel, PANEL_CHROME_COLUMNS, PANEL_CHROME_ROWS } from './Panel.js';
import { positionLine, signedMs } from './progress.js';
import { line } from '../width.js';
import { speedText } from '../../core/playback.js';
import { memberLine, waitingText } from '../../player/buffer-health.js';

/** Lines the view always uses before the member list (name, admin, state, bar, sync, members title). */
const FIXED_LINES = 6;

function same(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * Rows for the member list and the chat (its title included) out of `rows`: the chat gets half, at least
 * 3 when there is room, and only what it uses; members get the rest.
 */
/**
 * Rows for the up-next pane (its title and up to 3 entries) out of `free`: only when something is queued
 * or suggested, never fewer than title + one entry, and leaving members and chat at least 5 rows.
 */
export function queueRowsFor(free: number, queued: number): number {
  if (queued === 0) return 0;
  const rows = Math.min(1 + Math.min(3, queued), free - 5);
  return rows >= 2 ? rows : 0;
}

export function splitRows(rows: number, members: number, chatLines: number): { memberRows: number; chatRows: number } {
  if (rows < 5) return { memberRows: rows, chatRows: 0 };
  const chatRows = Math.min(1 + Math.max(1, chatLines), Math.max(3, Math.floor(rows / 2)), rows - 2);
  const memberRows = Math.min(members, rows - chatRows);
  return { memberRows, chatRows: rows - memberRows };
}

/** "your sync error: +3 ms (speed 0.995)", or that it is still being measured. */
export function syncText(watch: Pick<WatchState, 'errorMs' | 'speed'>): string {
  if (watch.errorMs === undefined) return 'your sync error: measuring…';
  return `your sync error: ${signedMs(watch.errorMs)} (speed ${watch.speed.toFixed(3)})`;
}

/** The watched room (if any), the panel size and focus, and an optional last line. */
export interface RoomViewProps {
  watch: WatchState | undefined;
  /** Whether there are rooms to pick from (changes the empty text). */
  hasRooms: boolean;
  width: number;
  height: number;
  focused: boolean;
  /** The go-to field or the close confirmation, on the view's last line. */
  footer?: ReactNode;
}

/** The room panel, or how to open one when nothing is being watched. */
export function RoomView({ watch, hasRooms, width, height, focused, footer }: RoomViewProps) {
  const inner = Math.max(1, width - PANEL_CHROME_COLUMNS);
  if (!watch) {
    return (
      <Panel title="Watching" width={width} height={height} focused={focused}>
        <Text dimColor wrap="truncate-end">
          {line(hasRooms ? 'Not watching. Pick a room and press Enter to open it in mpv.' : 'Not watching. Rooms you create or are invited to appear here.', inner)}
        </Text>
      </Panel>
    );
  }
  const { room } = watch;
  const members = [...room.members].sort((a, b) => Number(same(b, room.admin)) - Number(same(a, room.admin)));
  const queued = [...room.queue.map((e, i) => `${i + 1}. ${e.videoName}${same(e.by, room.admin) ? '' : ` (${e.by})`}`), ...room.suggestions.map((e) => `? ${e.videoName} — suggested by ${e.by}`)];
  const free = Math.max(0, height - PANEL_CHROME_ROWS - FIXED_LINES - (footer ? 1 : 0));
  const queueRows = queueRowsFor(free, queued.length);
  const rows = free - queueRows;
  const { memberRows, chatRows } = splitRows(rows, members.length, watch.chat.length);
  const shown = members.length > memberRows ? members.slice(0, Math.max(0, memberRows - 1)) : members;
  const chat = chatRows > 1 ? watch.chat.slice(-(chatRows - 1)) : [];
  const more = members.length - shown.length;
  const watchingCount = room.members.filter((m) => room.watching.some((w) => same(w, m))).length;
  const admin = `admin: ${room.admin}${watch.isAdmin ? ' (you)' : ''}${room.adminPresent ? '' : ' · away, the room waits for them'}`;

  return (
    <Panel title={`Watching · ${room.id}`} width={width} height={height} focused={focused}>
      <Text bold wrap="truncate-end">
        {line(room.videoName, inner)}
      </Text>
      <Text color={room.adminPresent ? undefined : 'yellow'} wrap="truncate-end">
        {line(admin, inner)}
      </Text>
      <Text color={room.closed ? 'red' : room.paused ? 'yellow' : 'green'} wrap="truncate-end">
        {line(
          (room.closed ? '✕ closed by the admin' : room.waitingFor.length > 0 ? `⏳ ${waitingText(room.waitingFor, watch.health)}` : room.paused ? '⏸ paused' : '▶ playing') +
            (!room.closed && room.speed !== 1 ? ` · ${speedText(room.speed)}` : '') +
            (!room.closed && room.autoRelease ? ' · auto-release' : ''),
          inner,
        )}
      </Text>
      <Text wrap="truncate-end">{positionLine(watch.expectedMs, room.durationMs, inner)}</Text>
      <Text dimColor wrap="truncate-end">
        {line(syncText(watch), inner)}
      </Text>
      <Text bold wrap="truncate-end">
        {line(`Members · ${watchingCount} of ${room.members.length} watching`, inner)}
      </Text>
      {shown.map((m) => {
        const present = room.watching.some((w) => same(w, m));
        const report = watch.health.find((h) => same(h.user, m));
        const waitedFor = room.waitingFor.some((w) => same(w, m));
        const released = room.released.some((r) => same(r, m));
        const state = !present ? 'away' : report ? memberLine(report, released) : released ? 'catching up' : 'watching';
        return (
          <Text key={m} color={waitedFor ? 'yellow' : present ? 'green' : undefined} dimColor={!present} wrap="truncate-end">
            {line(`${present ? '●' : '○'} ${m}${same(m, room.admin) ? ' (admin)' : ''} — ${state}${waitedFor ? ' · the room waits' : ''}`, inner)}
          </Text>
        );
      })}
      {more > 0 && <Text dimColor>{line(`… ${more} more`, inner)}</Text>}
      {queueRows > 0 && (
        <Text bold wrap="truncate-end">
          {line(`Up next · ${room.queue.length} queued${room.suggestions.length ? ` · ${room.suggestions.length} suggested` : ''}`, inner)}
        </Text>
      )}
      {queued.slice(0, Math.max(0, queueRows - 1)).map((q, i) => (
        <Text key={`q${i}`} dimColor={q.startsWith('?')} wrap="truncate-end">
          {line(i === queueRows - 2 && queued.length > queueRows - 1 ? `${q}  (+${queued.length - (queueRows - 1)} more)` : q, inner)}
        </Text>
      ))}
      {chatRows > 0 && (
        <Text bold wrap="truncate-end">
          {line(`Chat${room.muted.length ? ` · muted: ${room.muted.join(', ')}` : ''}`, inner)}
        </Text>
      )}
      {chatRows > 1 && chat.length === 0 && (
        <Text dimColor wrap="truncate-end">
          {line('nothing said yet: press t to write', inner)}
        </Text>
      )}
      {chat.map((l) => (
        <Text key={l.seq} wrap="truncate-end">
          <Text color={same(l.user, room.admin) ? 'cyan' : 'magenta'}>{line(l.user, 24)}</Text>
          {line(`: ${l.text}`, Math.max(1, inner - Math.min(24, l.user.length)))}
        </Text>
      ))}
      <Box flexGrow={1} />
      {footer}
    </Panel>
  );
}
