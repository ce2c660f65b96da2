/**
 * The logged-in screen: a header, the tab bar and the active tab. Tabs stay mounted while hidden
 * (rendering nothing), so a filter, a selection or a half-typed path survive switching tabs.
 */
import { useState } from 'react';
import { Box } from 'ink';
import type { ClientActions, ClientSnapshot } from '../client-session.js';
import { clock } from '../../roles/shared/room.js';
import { useKeys, useKeySlot, type KeySlot } from './keys.js';
import { MessagesTab } from './MessagesTab.js';
import { NotificationsTab } from './NotificationsTab.js';
import { RoomsTab } from './RoomsTab.js';
import { Segments } from './Segments.js';
import { TabBar, TABS, type TabId } from './TabBar.js';
import { UploadTab } from './UploadTab.js';
import { VideosTab } from './VideosTab.js';
import { spread } from '../width.js';

/** Header and tab bar. */
const CHROME_ROWS = 2;

/** The snapshot and actions, the screen's size, and the slot its key handler goes in. */
export interface MainScreenProps {
  snapshot: ClientSnapshot;
  actions: ClientActions;
  width: number;
  height: number;
  keys: KeySlot;
  /** The tab shown first. */
  initialTab?: TabId;
}

/** Header line: app, user and what is playing on the left, the two global keys on the right. */
function headerText(snapshot: ClientSnapshot, width: number): string {
  const w = snapshot.watching;
  const playing = w ? ` · ${w.room.paused ? '⏸' : '▶'} ${w.room.videoName.replace(/[\u0000-\u001f\u007f]/g, ' ')} ${clock(w.expectedMs)}` : '';
  return spread(` watchparty · ${snapshot.user ?? ''}${playing}`, 'q quit · ? help ', width);
}

/** The main screen; number keys (and Tab when no field has focus) switch tabs. */
export function MainScreen({ snapshot, actions, width, height, keys, initialTab = 'videos' }: MainScreenProps) {
  const [tab, setTab] = useState<TabId>(initialTab);
  const slots: Record<TabId, KeySlot> = { videos: useKeySlot(), upload: useKeySlot(), notifications: useKeySlot(), rooms: useKeySlot(), messages: useKeySlot() };

  useKeys(keys, (input, key) => {
    if (slots[tab].current?.(input, key)) return true;
    const digit = TABS[Number(input) - 1];
    if (/^[1-5]$/.test(input) && digit) setTab(digit);
    else if (key.tab) setTab(TABS[(TABS.indexOf(tab) + (key.shift ? TABS.length - 1 : 1)) % TABS.length]!);
    else return false;
    return true;
  });

  const bodyHeight = Math.max(1, height - CHROME_ROWS);
  const common = { snapshot, actions, width, height: bodyHeight };
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      <Segments segments={[{ text: headerText(snapshot, width), bold: true }]} width={width} />
      <TabBar active={tab} unread={snapshot.unread} unreadMessages={snapshot.unreadMessages} width={width} />
      <VideosTab {...common} active={tab === 'videos'} keys={slots.videos} onRoomCreated={() => setTab('rooms')} />
      <UploadTab {...common} active={tab === 'upload'} keys={slots.upload} />
      <NotificationsTab {...common} active={tab === 'notifications'} keys={slots.notifications} />
      <RoomsTab {...common} active={tab === 'rooms'} keys={slots.rooms} />
      <MessagesTab {...common} active={tab === 'messages'} keys={slots.messages} />
    </Box>
  );
}
