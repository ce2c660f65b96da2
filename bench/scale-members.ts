/**
 * bench/scale's viewers: protocol-level members (no mpv), each a real client session on its sub over the
 * real wire protocol. A member locates its sub through central, opens its session there, joins its
 * room, reports its player every second as `watchparty watch` does, records when each room event
 * arrives, and after losing its sub does what the client does: asks central for another (naming the
 * lost one), opens its session there and joins its room again.
 */
import type { Conn as ConnType } from './abuse-conn.js';
import { Conn } from './abuse-conn.js';
import { sleep } from './bench-kit.js';

/** Members per source address: the servers allow 256 connections and 20 new ones a second per address. */
const PER_ADDRESS = 10;

/** The source address of member `i` (127.1.x.y: every 127/8 address is this machine). */
export function sourceOf(i: number): string {
  const a = Math.floor(i / PER_ADDRESS) + 1;
  return `127.1.${Math.floor(a / 250)}.${(a % 250) + 1}`;
}

interface RoomView {
  id: string;
  seq: number;
  paused: boolean;
  videoId: number;
}

/** Why reconnect attempts failed, with counts (the first words of each error). */
export const reconnectErrors = new Map<string, number>();

export class Member {
  conn: ConnType | undefined;
  subId = '';
  room: RoomView | undefined;
  /** (room event seq) → arrival, performance.now() ms. */
  readonly arrivals = new Map<number, number>();
  /** Set when the member lost its sub: the instant, and when it was back in its room. */
  lostAtMs: number | undefined;
  backAtMs: number | undefined;
  /** After losing its sub: when central had placed it again, and when its session was open there. */
  placedAtMs: number | undefined;
  openedAtMs: number | undefined;
  reconnectFailures = 0;
  private presence: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    readonly index: number,
    readonly user: string,
    readonly token: string,
    private readonly centralPort: number,
  ) {}

  /** Ask central where to go (optionally away from `unreachable`), open the session there. */
  async connect(unreachable?: string): Promise<void> {
    const central = await Conn.open(this.centralPort, 'client', sourceOf(this.index));
    try {
      const r = await central.request('auth.locate', { token: this.token, ...(unreachable ? { unreachable } : {}) });
      if (r.error) throw new Error(`locate ${this.user}: ${JSON.stringify(r.error)}`);
      const placement = r.result as { subId: string; subAddress: string };
      if (placement.subId === unreachable) throw new Error(`central still places ${this.user} on ${unreachable}`);
      if (unreachable) this.placedAtMs = performance.now();
      const conn = await Conn.open(placement.subAddress, 'client', sourceOf(this.index));
      const opened = await conn.request('session.open', { token: this.token });
      if (opened.error) {
        conn.ws.close();
        throw new Error(`session.open ${this.user}: ${JSON.stringify(opened.error)}`);
      }
      this.subId = placement.subId;
      this.conn = conn;
      if (unreachable) this.openedAtMs = performance.now();
      conn.on('room.event', (h) => this.onEvent(h));
      conn.ws.on('close', () => void this.lost());
    } finally {
      central.ws.close();
    }
  }

  private onEvent(h: Record<string, unknown>): void {
    const at = performance.now();
    const room = h.room as RoomView;
    const event = h.event as { seq: number };
    this.arrivals.set(event.seq, at);
    if (!this.room || room.seq >= this.room.seq) this.room = { id: room.id, seq: room.seq, paused: room.paused, videoId: room.videoId };
  }

  async request(type: string, params: object): Promise<Record<string, unknown>> {
    const r = await this.conn!.request(type, params, 30_000);
    if (r.error) throw new Error(`${type} by ${this.user}: ${JSON.stringify(r.error)}`);
    return r.result as Record<string, unknown>;
  }

  /** Join the room and start reporting, every second, a player that holds the whole file. */
  async join(roomId: string): Promise<void> {
    const { room } = (await this.request('room.join', { roomId })) as { room: RoomView };
    if (!this.room || room.seq >= this.room.seq) this.room = { id: room.id, seq: room.seq, paused: room.paused, videoId: room.videoId };
    // Spread over the second, as independent players would be.
    this.presence ??= setTimeout(() => (this.presence = setInterval(() => this.report(), 1000)), Math.floor(Math.random() * 1000));
  }

  private report(): void {
    const room = this.room;
    if (!room || !this.conn || this.conn.closed) return;
    this.conn.emit('room.presence', {
      roomId: room.id,
      report: { state: room.paused ? 'paused' : 'playing', bufferedMs: 30_000, eof: true, ...(room.paused ? {} : { offsetMs: 1 }), rttMs: 1, seekCostMs: 20, deliveryMs: 2, rendition: 'source', videoId: room.videoId },
    });
  }

  /** What the client does when its sub goes: another sub from central, the session there, the room again. */
  private async lost(): Promise<void> {
    if (this.stopped) return;
    this.lostAtMs = performance.now();
    const gone = this.subId;
    this.conn = undefined;
    for (let attempt = 0; attempt < 40 && !this.stopped; attempt++) {
      try {
        await this.connect(gone);
        if (this.room) await this.join(this.room.id);
        this.backAtMs = performance.now();
        return;
      } catch (err) {
        this.reconnectFailures += 1;
        const why = (err as Error).message.replace(/v\d{5}/g, 'USER').slice(0, 90);
        reconnectErrors.set(why, (reconnectErrors.get(why) ?? 0) + 1);
        await sleep(Math.min(2000, 100 * 2 ** attempt));
      }
    }
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.presence);
    this.conn?.ws.close();
  }
}

/** Run `fn` over `items` with at most `lanes` at once. */
export async function inLanes<T>(items: readonly T[], lanes: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(lanes, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}
