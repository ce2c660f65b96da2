/**
 * A device's inbox, pure: turns pushes and listings of numbered items (notifications, direct messages),
 * which may overlap and arrive in any order, into a stream shown exactly once and in id order.
 * `lastShownId` is persisted by the caller right after showing, so a restarted client does not show
 * anything twice.
 */
import type { Notification } from '../../net/messages.js';

export interface Numbered {
  id: number;
}

export interface Inbox<T extends Numbered = Notification> {
  lastShownId: number;
  /** Pushes that arrived while a listing was in flight: shown together with it, in order. */
  held: T[];
  listing: boolean;
}

export function newInbox<T extends Numbered = Notification>(lastShownId: number): Inbox<T> {
  return { lastShownId, held: [], listing: false };
}

function fresh<T extends Numbered>(inbox: Inbox<T>, items: readonly T[]): T[] {
  const seen = new Set<number>();
  return [...items]
    .filter((n) => n.id > inbox.lastShownId && !seen.has(n.id) && seen.add(n.id))
    .sort((a, b) => a.id - b.id);
}

/** A listing starts: hold pushes until it ends, so a push cannot jump ahead of older listed items. */
export function beginListing<T extends Numbered>(inbox: Inbox<T>): Inbox<T> {
  return { ...inbox, listing: true };
}

/** Items to show now, and the inbox after showing them. */
export function receive<T extends Numbered>(inbox: Inbox<T>, items: readonly T[], source: 'push' | 'listing'): { inbox: Inbox<T>; show: T[] } {
  if (source === 'push' && inbox.listing) return { inbox: { ...inbox, held: [...inbox.held, ...items] }, show: [] };
  const show = fresh(inbox, source === 'listing' ? [...items, ...inbox.held] : items);
  const lastShownId = show.length ? show[show.length - 1]!.id : inbox.lastShownId;
  return { inbox: { lastShownId, held: [], listing: false }, show };
}
