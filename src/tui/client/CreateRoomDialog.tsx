/**
 * The original design's user checklist with "Create Room": pick who to invite to watch one video;
 * the invited users get a notification and the creator becomes the room's admin.
 */
import { useRef, useState } from 'react';
import { Box, Text } from 'ink';
import type { VideoInfo } from '../../net/messages.js';
import { useKeys, pageSize, type KeySlot } from './keys.js';
import { moveSelection, scrollTop, visibleWindow, windowLabel } from './list-window.js';
import { Panel, PANEL_CHROME_COLUMNS, PANEL_CHROME_ROWS } from './Panel.js';
import { line } from '../width.js';

/** The key hints shown under the checklist. */
export const CREATE_ROOM_HINTS = '↑↓ move · Space toggle · a all/none · Enter create room · Esc cancel';

/** What the checklist needs: the video, who can be invited, its size and what to do at the end. */
export interface CreateRoomDialogProps {
  video: VideoInfo;
  /** Everyone who can be invited (the current user already left out). */
  users: readonly string[];
  width: number;
  height: number;
  keys: KeySlot;
  onSubmit: (invite: string[]) => void;
  onCancel: () => void;
}

/** A checklist of users in a panel; Space toggles, Enter creates the room with the checked ones. */
export function CreateRoomDialog({ video, users, width, height, keys, onSubmit, onCancel }: CreateRoomDialogProps) {
  const [cursor, setCursor] = useState(0);
  const [checked, setChecked] = useState<ReadonlySet<string>>(new Set());
  const topRef = useRef(0);
  // One line for the question above the list.
  const listHeight = Math.max(1, height - PANEL_CHROME_ROWS - 1);
  const index = Math.min(cursor, Math.max(0, users.length - 1));

  useKeys(keys, (input, key) => {
    if (key.escape) onCancel();
    else if (key.return) onSubmit(users.filter((u) => checked.has(u)));
    else if (key.upArrow || input === 'k') setCursor(moveSelection(index, -1, users.length));
    else if (key.downArrow || input === 'j') setCursor(moveSelection(index, 1, users.length));
    else if (key.pageUp) setCursor(moveSelection(index, -pageSize(listHeight), users.length));
    else if (key.pageDown) setCursor(moveSelection(index, pageSize(listHeight), users.length));
    else if (input === ' ' && users[index] !== undefined) {
      const user = users[index];
      const next = new Set(checked);
      if (next.has(user)) next.delete(user);
      else next.add(user);
      setChecked(next);
    } else if (input === 'a') setChecked(checked.size === users.length ? new Set() : new Set(users));
    // A dialog is modal: nothing reaches the tabs behind it.
    return true;
  });

  topRef.current = scrollTop(topRef.current, index, listHeight, users.length);
  const { start, rows } = visibleWindow(users, topRef.current, listHeight);
  const inner = Math.max(1, width - PANEL_CHROME_COLUMNS);
  const label = windowLabel(start, rows.length, users.length);
  return (
    <Panel title={`Create a room · ${checked.size} invited${label ? ` · ${label} users` : ''}`} width={width} height={height}>
      <Text wrap="truncate-end">{line(`Who watches "${video.name}" with you?`, inner)}</Text>
      {users.length === 0 ? (
        <Text dimColor wrap="truncate-end">
          {line('No other users yet: Enter creates a room just for you.', inner)}
        </Text>
      ) : (
        <Box flexDirection="column">
          {rows.map((user, i) => {
            const selected = start + i === index;
            return (
              <Text key={user} inverse={selected} wrap="truncate-end">
                {line(`${selected ? '›' : ' '} ${checked.has(user) ? '[x]' : '[ ]'} ${user}`, inner)}
              </Text>
            );
          })}
        </Box>
      )}
    </Panel>
  );
}
