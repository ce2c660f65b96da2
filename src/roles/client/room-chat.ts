/**
 * One room's chat as a member's client holds it: the recent lines in the room's order, filled from the
 * history on joining and after every reconnect (so a line said during a failover is not missed), and
 * again when a line skips a number or the sub says it is back with central (a push was lost), and each
 * new line handed to listeners once (the TUI's chat pane, mpv's OSD, `watch`'s terminal, `chat --follow`).
 */
import type { ChatLine } from '../../net/chat-messages.js';
import type { Peer } from '../../net/peer.js';
import type { EventBody } from '../../net/messages.js';

/** A chat line as the terminal shows it: `12:04  bob: this part!`. */
export function formatChatLine(l: ChatLine, json: boolean | undefined): string {
  if (json) return JSON.stringify(l);
  const d = new Date(l.atMs);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}  ${l.user}: ${l.text}`;
}

/** Lines kept (the history a member sees on joining is at most this). */
export const CHAT_HISTORY = 100;

export class RoomChat {
  private lines: ChatLine[] = [];
  private peer: Peer | undefined;
  /** Listings in flight or waiting (they run one at a time); pushes wait while there are any. */
  private listings = 0;
  private chain: Promise<void> = Promise.resolve();
  private readonly held: ChatLine[] = [];
  private readonly listeners: ((line: ChatLine, fromHistory: boolean) => void)[] = [];
  private readonly onChat = (body: EventBody<'room.chat'>) => {
    if (body.line.roomId !== this.roomId) return;
    if (this.listings > 0) this.held.push(body.line);
    else if (this.lastSeq > 0 && body.line.seq > this.lastSeq + 1) {
      // A line skipped a number: one push was lost on the way. Fetch what is missing, then this one.
      this.held.push(body.line);
      void this.refill(false);
    } else this.add([body.line], false);
  };
  private readonly onResync = () => void this.refill(false);

  /** `firstLimit`: how many lines of history the first listing brings (at most CHAT_HISTORY). */
  constructor(
    readonly roomId: string,
    private readonly firstLimit = CHAT_HISTORY,
  ) {}

  /** Every line, oldest first. */
  get all(): readonly ChatLine[] {
    return this.lines;
  }

  get lastSeq(): number {
    return this.lines.at(-1)?.seq ?? 0;
  }

  onLine(listener: (line: ChatLine, fromHistory: boolean) => void): void {
    this.listeners.push(listener);
  }

  /** Listen on `peer` (a new one after a failover), then fill in what was said since the last line. */
  async attach(peer: Peer): Promise<void> {
    this.detach();
    this.peer = peer;
    peer.on('room.chat', this.onChat);
    peer.on('talk.resync', this.onResync);
    await this.refill(true);
  }

  detach(): void {
    this.peer?.off('room.chat', this.onChat);
    this.peer?.off('talk.resync', this.onResync);
    this.peer = undefined;
  }

  /** List what was said after our last line; pushes meanwhile wait and follow it, in order. */
  private refill(fromHistory: boolean): Promise<void> {
    this.listings += 1;
    const run = async () => {
      try {
        const peer = this.peer;
        if (!peer) return;
        const after = this.lastSeq;
        const { lines } = await peer.request('chat.history', { roomId: this.roomId, limit: after > 0 ? CHAT_HISTORY : this.firstLimit, ...(after > 0 ? { afterSeq: after } : {}) });
        this.add(lines, fromHistory);
      } finally {
        this.listings -= 1;
        if (this.listings === 0) this.add(this.held.splice(0), false);
      }
    };
    this.chain = this.chain.then(run, run);
    return this.chain;
  }

  /** Add lines not seen yet, in order; history lines are told as such (not flashed on the OSD). */
  private add(lines: readonly ChatLine[], fromHistory: boolean): void {
    const fresh = [...lines].sort((a, b) => a.seq - b.seq).filter((l, i, all) => l.seq > this.lastSeq && (i === 0 || all[i - 1]!.seq !== l.seq));
    for (const l of fresh) {
      if (l.seq <= this.lastSeq) continue;
      this.lines.push(l);
      for (const f of this.listeners) f(l, fromHistory);
    }
    if (this.lines.length > CHAT_HISTORY) this.lines = this.lines.slice(-CHAT_HISTORY);
  }
}
