/**
 * Numbered items a device shows once each: notifications and direct messages. A listing fills what this
 * device has not shown (after a crash, a failover, a central restart), pushes bring the rest as they
 * come; the inbox (shared/inbox.ts) de-duplicates both by id. A push that says an item before it was
 * never shown here (a push lost while the sub was away from central), or the sub's word that it is
 * back with central, makes the device list again. Items are printed, then the device's high-water mark
 * is written, then acknowledged to central (read on every device): a crash in between shows a batch
 * again rather than never.
 */
import type { EventBody } from '../../net/messages.js';
import type { DirectMessage } from '../../net/chat-messages.js';
import type { Notification } from '../../net/messages.js';
import { beginListing, newInbox, receive, type Inbox, type Numbered } from '../shared/inbox.js';
import type { Session } from './connect.js';
import { context, followSessions, type CommonOptions } from './command-kit.js';
import type { Profile } from './profile.js';

export interface Feed<T extends Numbered> {
  /** For messages: "notifications", "messages". */
  what: string;
  /** This device's high-water mark in the profile. */
  key(s: Session): string;
  /** Items after `afterId` (all of them, oldest first). */
  list(s: Session, afterId: number): Promise<T[]>;
  /** Everything up to `upToId` has been shown (read). */
  ack(s: Session, upToId: number): Promise<unknown>;
  /** Call `on` with every push of new items on this session (with the id before them, when the push tells it). */
  listen(s: Session, on: (items: T[], prevId?: number) => void): void;
  format(item: T, json: boolean | undefined): string;
}

/** `YYYY-MM-DD HH:MM:SS` in UTC, as every listing prints times. */
function when(atMs: number): string {
  return new Date(atMs).toISOString().replace('T', ' ').slice(0, 19);
}

export const NOTIFICATIONS: Feed<Notification> = {
  what: 'notifications',
  key: (s) => `${s.instanceId}:${s.user}`,
  list: async (s) => (await s.peer.request('notify.list', {})).items,
  ack: (s, upToId) => s.peer.request('notify.ack', { upToId }),
  listen: (s, on) => s.peer.on('notify.push', (body: EventBody<'notify.push'>) => on(body.items)),
  format: (n, json) => (json ? JSON.stringify(n) : `${when(n.atMs)}  ${n.text}`),
};

/** Pages of this size when a device catches up on its messages. */
const MESSAGE_PAGE = 1000;

export const MESSAGES: Feed<DirectMessage> = {
  what: 'messages',
  key: (s) => `msg:${s.instanceId}:${s.user}`,
  list: async (s, afterId) => {
    const all: DirectMessage[] = [];
    // Bounded: 10,000 kept per user on central, so at most a few pages.
    for (let page = 0, after = afterId; page < 20; page++) {
      const { messages } = await s.peer.request('msg.list', { afterId: after, limit: MESSAGE_PAGE });
      all.push(...messages);
      if (messages.length < MESSAGE_PAGE) break;
      after = messages[messages.length - 1]!.id;
    }
    return all;
  },
  ack: (s, upToId) => s.peer.request('msg.ack', { upToId }),
  listen: (s, on) => s.peer.on('msg.push', (body: EventBody<'msg.push'>) => on(body.messages, body.prevId)),
  format: (m, json) => (json ? JSON.stringify(m) : `${when(m.atMs)}  ${m.from}: ${m.text}`),
};

/** List what this device has not shown, show it, acknowledge it. Returns the inbox for a follower. */
export async function catchUp<T extends Numbered>(feed: Feed<T>, s: Session, profile: Profile, inbox: Inbox<T>, json: boolean | undefined): Promise<Inbox<T>> {
  inbox = beginListing(inbox);
  const items = await feed.list(s, inbox.lastShownId);
  return show(feed, s, profile, inbox, items, 'listing', json);
}

async function show<T extends Numbered>(feed: Feed<T>, s: Session, profile: Profile, inbox: Inbox<T>, items: T[], source: 'push' | 'listing', json: boolean | undefined): Promise<Inbox<T>> {
  const r = receive(inbox, items, source);
  if (r.show.length > 0) {
    // Print the whole batch in one write, then record it: a crash in between shows the batch again on
    // the next run (at least once), never not at all.
    const text = r.show.map((n) => feed.format(n, json) + '\n').join('');
    await new Promise<void>((resolve) => process.stdout.write(text, () => resolve()));
    profile.setLastShown(feed.key(s), r.inbox.lastShownId);
    await feed.ack(s, r.inbox.lastShownId).catch(() => {});
  }
  return r.inbox;
}

/** The device's inbox as the profile remembers it. */
export function inboxOf<T extends Numbered>(feed: Feed<T>, s: Session, profile: Profile): Inbox<T> {
  return newInbox<T>(profile.lastShown(feed.key(s)));
}

/** Stay connected and print new items as they arrive, through failovers, until SIGINT/SIGTERM. */
export async function followFeed<T extends Numbered>(feed: Feed<T>, o: CommonOptions): Promise<void> {
  const { profile } = context(o);
  await followSessions(o, async (session) => {
    let inbox = inboxOf(feed, session, profile);
    // Serialise pushes and listings so the inbox sees them in arrival order.
    let queue = Promise.resolve();
    const enqueue = (job: () => Promise<void>) => (queue = queue.then(job).catch((err: Error) => context(o).log.warn(`${feed.what}: ${err.message}`)));
    const list = () => enqueue(async () => void (inbox = await catchUp(feed, session, profile, inbox, o.json)));
    feed.listen(session, (items, prevId) =>
      // A push whose predecessor this device never showed: one went missing, so list from what was shown.
      enqueue(async () => void (inbox = prevId !== undefined && prevId > inbox.lastShownId ? await catchUp(feed, session, profile, inbox, o.json) : await show(feed, session, profile, inbox, items, 'push', o.json))),
    );
    session.peer.on('talk.resync', list);
    list();
    return `following ${feed.what} for ${session.user} on ${session.subId}`;
  });
}
