/**
 * The catalogue: a table of every video, filtered with `/` (like less and k9s), Enter to watch alone,
 * `c` to create a room with other users and `d` to delete a video (after a y/n question). Only the visible rows are laid out, so 500 videos
 * cost what 20 do.
 */
import { useMemo, useRef, useState } from 'react';
import { Box, Text } from 'ink';
import type { VideoInfo } from '../../net/messages.js';
import { CreateRoomDialog, CREATE_ROOM_HINTS } from './CreateRoomDialog.js';
import { editText } from './TextField.js';
import { pageSize, useKeys, useKeySlot } from './keys.js';
import { moveSelection, scrollTop, visibleWindow, windowLabel } from './list-window.js';
import { Panel, PANEL_CHROME_COLUMNS, PANEL_CHROME_ROWS } from './Panel.js';
import { filterVideos, formatVideoRow, videoCells, videoColumnWidths, VIDEO_COLUMNS } from './video-table.js';
import { line } from '../width.js';
import type { TabProps } from './tab-props.js';

const HINTS = '↑↓ PgUp PgDn move · Enter play alone · c create room · e queue in the watched room · d delete · / filter';
const SHORT_HINTS = '↑↓ move · Enter play · c room · e queue · d del · / filter';
/** Marks the selected row without colour too (NO_COLOR terminals, screen readers, tests). */
const GUTTER = '  ';
const MARK = '› ';
const FILTER_HINTS = 'type to filter · ↑↓ move · Enter done · Esc clear';

export interface VideosTabProps extends TabProps {
  /** After a room was created: show the Rooms tab. */
  onRoomCreated: () => void;
}

/** The Videos tab: the catalogue table and its hint line, or the create-room checklist. */
export function VideosTab({ snapshot, actions, width, height, active, keys, onRoomCreated }: VideosTabProps) {
  const [filter, setFilter] = useState('');
  const [filtering, setFiltering] = useState(false);
  const [selectedId, setSelectedId] = useState<number | undefined>(undefined);
  const [inviting, setInviting] = useState<VideoInfo | undefined>(undefined);
  const [deleting, setDeleting] = useState<VideoInfo | undefined>(undefined);
  const topRef = useRef(0);
  const dialogKeys = useKeySlot();

  const videos = useMemo(() => filterVideos(snapshot.videos, filter), [snapshot.videos, filter]);
  const cells = useMemo(() => videos.map(videoCells), [videos]);
  const found = videos.findIndex((v) => v.id === selectedId);
  const index = found >= 0 ? found : 0;
  const selected = videos[index];

  const panelHeight = Math.max(PANEL_CHROME_ROWS + 1, height - 1);
  const inner = Math.max(1, width - PANEL_CHROME_COLUMNS);
  // Widths from every matching row, not just the visible ones, so columns hold still while scrolling.
  const widths = useMemo(() => videoColumnWidths(cells, inner - GUTTER.length), [cells, inner]);
  const showFilter = filtering || filter !== '';
  // The header row, and the filter line when there is one.
  const listHeight = Math.max(1, panelHeight - PANEL_CHROME_ROWS - 1 - (showFilter ? 1 : 0));

  const select = (by: number) => setSelectedId(videos[moveSelection(index, by, videos.length)]?.id);

  useKeys(keys, (input, key) => {
    if (inviting) return dialogKeys.current?.(input, key) ?? true;
    if (deleting) {
      if (input === 'y') void actions.deleteVideo(deleting.id);
      setDeleting(undefined);
      return true;
    }
    if (key.upArrow) select(-1);
    else if (key.downArrow) select(1);
    else if (key.pageUp) select(-pageSize(listHeight));
    else if (key.pageDown) select(pageSize(listHeight));
    else if (key.home) select(-videos.length);
    else if (key.end) select(videos.length);
    else if (filtering) {
      if (key.escape) {
        setFilter('');
        setFiltering(false);
      } else if (key.return) setFiltering(false);
      else {
        const next = editText(filter, input, key);
        if (next !== undefined) setFilter(next);
      }
      // While filtering every key is text: `q`, `c` and digits belong to the filter.
      return true;
    } else if (input === '/') setFiltering(true);
    else if (key.escape && filter !== '') setFilter('');
    else if (key.return && selected) void actions.playAlone(selected.id);
    else if (input === 'c' && selected) setInviting(selected);
    else if (input === 'd' && selected) setDeleting(selected);
    // Queue it in the watched room (a guest's is a suggestion to the admin).
    else if (input === 'e' && selected) void actions.editQueue({ op: 'add', videoId: selected.id });
    else if (input === 'j') select(1);
    else if (input === 'k') select(-1);
    else return false;
    return true;
  });

  if (!active) return null;

  if (inviting) {
    const me = snapshot.user?.toLowerCase();
    const users = snapshot.users.filter((u) => u.toLowerCase() !== me);
    const submit = (invite: string[]) => {
      setInviting(undefined);
      void actions.createRoom(inviting.id, invite).then((room) => {
        if (room) onRoomCreated();
      });
    };
    return (
      <Box flexDirection="column" width={width} height={height}>
        <CreateRoomDialog video={inviting} users={users} width={width} height={panelHeight} keys={dialogKeys} onSubmit={submit} onCancel={() => setInviting(undefined)} />
        <Text dimColor wrap="truncate-end">
          {line(CREATE_ROOM_HINTS, width)}
        </Text>
      </Box>
    );
  }

  topRef.current = scrollTop(topRef.current, index, listHeight, videos.length);
  const { start, rows } = visibleWindow(videos, topRef.current, listHeight);
  const count = windowLabel(start, rows.length, videos.length);
  const title = `Videos${count ? ` · ${count}` : ''}${filter !== '' ? ` · filter: ${filter}` : ''}`;

  return (
    <Box flexDirection="column" width={width} height={height}>
      <Panel title={title} width={width} height={panelHeight}>
        {snapshot.videos.length === 0 ? (
          <Text dimColor wrap="truncate-end">
            {line('No videos yet — press 2 to upload one.', inner)}
          </Text>
        ) : (
          <Text bold dimColor wrap="truncate-end">
            {GUTTER + formatVideoRow(VIDEO_COLUMNS, widths)}
          </Text>
        )}
        {snapshot.videos.length > 0 && videos.length === 0 && (
          <Text dimColor wrap="truncate-end">
            {line(`No video name contains "${filter}" — Esc clears the filter.`, inner)}
          </Text>
        )}
        {rows.map((v, i) => {
          const on = start + i === index;
          return (
            <Text key={v.id} inverse={on} bold={on} wrap="truncate-end">
              {(on ? MARK : GUTTER) + formatVideoRow(cells[start + i]!, widths)}
            </Text>
          );
        })}
        <Box flexGrow={1} />
        {showFilter && (
          <Text color={filtering ? 'cyan' : undefined} wrap="truncate-end">
            {line(`filter: ${filter}`, inner - 1)}
            {filtering ? <Text inverse> </Text> : ''}
          </Text>
        )}
      </Panel>
      {deleting ? (
        <Text color="yellow" bold wrap="truncate-end">
          {line(`delete "${deleting.name}" for everyone? rooms on it close · y/n`, width)}
        </Text>
      ) : (
        <Text dimColor wrap="truncate-end">
          {line(filtering ? FILTER_HINTS : width < HINTS.length ? SHORT_HINTS : HINTS, width)}
        </Text>
      )}
    </Box>
  );
}

