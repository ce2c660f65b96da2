/**
 * Notifications, newest first: invitations to rooms, new videos, users and sub-servers joining or
 * leaving. Opening the tab marks them read (the counter in the tab bar goes back to zero).
 */
import { useEffect, useRef, useState } from 'react';
import { Box, Text } from 'ink';
import type { Notification } from '../../net/messages.js';
import { listMove, useKeys } from './keys.js';
import { scrollTop, visibleWindow, windowLabel } from './list-window.js';
import { Panel, PANEL_CHROME_COLUMNS, PANEL_CHROME_ROWS } from './Panel.js';
import { line } from '../width.js';
import type { TabProps } from './tab-props.js';

const HINTS = '↑↓ PgUp PgDn Home End scroll';
const KIND_COLOR: Partial<Record<Notification['kind'], string>> = {
  'room.invite': 'cyan',
  'video.new': 'green',
  'video.deleted': 'yellow',
  'sub.lost': 'yellow',
};

/** `HH:MM` in local time. */
export function hourMinute(atMs: number): string {
  const d = new Date(atMs);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

export type NotificationsTabProps = TabProps;

/** The Notifications tab: a scrollable list, one line per notification. */
export function NotificationsTab({ snapshot, actions, width, height, active, keys }: NotificationsTabProps) {
  const [cursor, setCursor] = useState(0);
  const topRef = useRef(0);
  const wasActive = useRef(false);
  const items = [...snapshot.notifications].reverse();

  // Mark read when the tab opens, and again when more arrive while it is open.
  useEffect(() => {
    const opened = active && !wasActive.current;
    wasActive.current = active;
    if (opened || (active && snapshot.unread > 0)) actions.markNotificationsRead();
  }, [active, snapshot.unread, actions]);

  const panelHeight = Math.max(PANEL_CHROME_ROWS + 1, height - 1);
  const listHeight = Math.max(1, panelHeight - PANEL_CHROME_ROWS);
  const index = Math.min(cursor, Math.max(0, items.length - 1));

  useKeys(keys, (_input, key) => {
    const moved = listMove(key, index, items.length, listHeight);
    if (moved !== undefined) setCursor(moved);
    else return false;
    return true;
  });

  if (!active) return null;

  const inner = Math.max(1, width - PANEL_CHROME_COLUMNS);
  topRef.current = scrollTop(topRef.current, index, listHeight, items.length);
  const { start, rows } = visibleWindow(items, topRef.current, listHeight);
  const count = windowLabel(start, rows.length, items.length);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Panel title={`Notifications${count ? ` · ${count}` : ''}`} width={width} height={panelHeight}>
        {items.length === 0 && (
          <Text dimColor wrap="truncate-end">
            {line('No notifications yet. Room invitations and new videos will show up here.', inner)}
          </Text>
        )}
        {rows.map((n, i) => {
          const on = start + i === index;
          return (
            <Text key={n.id} inverse={on} wrap="truncate-end">
              {on ? '› ' : '  '}
              <Text dimColor={!on}>{hourMinute(n.atMs)} </Text>
              <Text color={KIND_COLOR[n.kind]}>{line(n.text, inner - 8)}</Text>
            </Text>
          );
        })}
      </Panel>
      <Text dimColor wrap="truncate-end">
        {line(HINTS, width)}
      </Text>
    </Box>
  );
}
