/**
 * The bottom line on every screen: the link to the cluster (the one place failovers show while the
 * app keeps running), who is logged in, what is in flight, and the latest toast.
 */
import type { ClientSnapshot, LinkState, Toast } from '../client-session.js';
import { Segments } from './Segments.js';
import type { Segment } from '../width.js';

const TOAST_COLOR: Record<Toast['tone'], string> = { info: 'cyan', warn: 'yellow', error: 'red' };

/** The link state as one coloured segment. */
export function linkSegment(link: LinkState): Segment {
  switch (link.kind) {
    case 'online':
      if (link.centralLost) return { text: `◐ ${link.subId} ${link.subAddress} · central unreachable`, color: 'yellow' };
      return { text: `● ${link.subId} ${link.subAddress}`, color: 'green' };
    case 'reconnecting':
      return { text: `◌ ${link.message} (attempt ${link.attempt}/${link.maxAttempts})`, color: 'yellow' };
    case 'connecting':
      return { text: `◌ ${link.message}`, color: 'yellow' };
    case 'offline':
      return { text: '○ offline', color: 'red' };
  }
}

/** The parts of the snapshot the line shows, its width, and a note of the app's own ("quitting…"). */
export interface StatusLineProps {
  snapshot: Pick<ClientSnapshot, 'link' | 'user' | 'busy' | 'toast' | 'screen'>;
  width: number;
  note?: string;
}

/** Link · user · busy · toast, clipped to `width`. */
export function StatusLine({ snapshot, width, note }: StatusLineProps) {
  const sep: Segment = { text: ' · ', dim: true };
  const segments: Segment[] = [linkSegment(snapshot.link)];
  if (snapshot.user !== undefined) segments.push(sep, { text: snapshot.user, bold: true });
  // The login screen shows its own busy line in place.
  if (snapshot.busy !== undefined && snapshot.screen === 'main') segments.push(sep, { text: `◌ ${snapshot.busy}`, color: 'cyan' });
  if (note !== undefined) segments.push(sep, { text: `◌ ${note}`, color: 'cyan' });
  if (snapshot.toast !== undefined) segments.push(sep, { text: snapshot.toast.text, color: TOAST_COLOR[snapshot.toast.tone] });
  return <Segments segments={segments} width={width} />;
}
