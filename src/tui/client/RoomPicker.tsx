/** The room picker: the rooms this user belongs to, with their video, admin and play state. */
import { useRef } from 'react';
import { Text } from 'ink';
import type { RoomState } from '../../net/messages.js';
import { scrollTop, visibleWindow, windowLabel } from './list-window.js';
import { Panel, PANEL_CHROME_COLUMNS, PANEL_CHROME_ROWS } from './Panel.js';
import { line, spread } from '../width.js';

/** The rooms, the selected index, the watched room's id and the panel size. */
export interface RoomPickerProps {
  rooms: readonly RoomState[];
  index: number;
  /** The room being watched, marked in the list. */
  watchingId: string | undefined;
  width: number;
  height: number;
}

function stateIcon(room: RoomState): { icon: string; color: string } {
  if (room.closed) return { icon: '✕', color: 'gray' };
  return room.paused ? { icon: '⏸', color: 'yellow' } : { icon: '▶', color: 'green' };
}

/** One line per room (icon, video, admin; the id where two rows would look alike), the selected one inverted, scrolled to keep it visible. */
export function RoomPicker({ rooms, index, watchingId, width, height }: RoomPickerProps) {
  const topRef = useRef(0);
  const listHeight = Math.max(1, height - PANEL_CHROME_ROWS);
  const inner = Math.max(1, width - PANEL_CHROME_COLUMNS);
  topRef.current = scrollTop(topRef.current, index, listHeight, rooms.length);
  const { start, rows } = visibleWindow(rooms, topRef.current, listHeight);
  const count = windowLabel(start, rows.length, rooms.length);
  return (
    <Panel title={`Rooms${count ? ` · ${count}` : ''}`} width={width} height={height}>
      {rooms.length === 0 && (
        <Text dimColor wrap="truncate-end">
          {line('No rooms yet: press 1, pick a video and press c.', inner)}
        </Text>
      )}
      {rows.map((room, i) => {
        const { icon, color } = stateIcon(room);
        const mark = room.id === watchingId ? '●' : ' ';
        const on = start + i === index;
        // Cursor, icon, mark and spaces take six columns before the name.
        // Rows that would read the same (same video, same admin) show the room id, which is what tells
        // them apart and what `watchparty watch ID` takes; others keep the width for the name.
        const twin = rooms.some((r) => r.id !== room.id && r.videoName === room.videoName && r.admin === room.admin);
        const text = spread(room.videoName.replace(/[\u0000-\u001f\u007f]/g, ' '), twin ? `${room.admin}  ${room.id}` : room.admin, Math.max(1, inner - 6));
        return (
          <Text key={room.id} inverse={on} wrap="truncate-end">
            {on ? '› ' : '  '}
            <Text color={color}>{icon}</Text>
            <Text color="green">{` ${mark} `}</Text>
            {text}
          </Text>
        );
      })}
    </Panel>
  );
}
