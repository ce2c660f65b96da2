/** The tab bar: `1 Videos  2 Upload  3 Notifications (N)  4 Rooms  5 Messages (N)`, the active tab highlighted. */
import { Segments } from './Segments.js';
import type { Segment } from '../width.js';

/** The tabs in the order of their number keys. */
export const TABS = ['videos', 'upload', 'notifications', 'rooms', 'messages'] as const;
export type TabId = (typeof TABS)[number];

const LABELS: Record<TabId, string> = { videos: 'Videos', upload: 'Upload', notifications: 'Notifications', rooms: 'Rooms', messages: 'Messages' };

/** The segments of the bar; the unread count is yellow when there is something to read. */
export function tabSegments(active: TabId, unread: number, unreadMessages = 0): Segment[] {
  const out: Segment[] = [];
  TABS.forEach((tab, i) => {
    const on = tab === active;
    out.push({ text: ` ${i + 1} ${LABELS[tab]}`, bold: on, color: on ? 'cyan' : undefined, inverse: on });
    if (tab === 'notifications' || tab === 'messages') {
      const n = tab === 'notifications' ? unread : unreadMessages;
      out.push({ text: ` (${n})`, bold: n > 0, color: n > 0 ? 'yellow' : on ? 'cyan' : undefined, dim: n === 0 && !on, inverse: on });
    }
    out.push({ text: ' ', inverse: on }, { text: ' ' });
  });
  return out;
}

/** One line of tabs, clipped to `width`. */
export function TabBar({ active, unread, unreadMessages = 0, width }: { active: TabId; unread: number; unreadMessages?: number; width: number }) {
  return <Segments segments={tabSegments(active, unread, unreadMessages)} width={width} />;
}
