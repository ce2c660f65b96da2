/** bench/abuse's wire speaker: a bare protocol client for the attackers and the normal client. */
import WebSocket from 'ws';
import { encodeFrame } from '../src/net/frame.js';
import { PROTOCOL_VERSION } from '../src/net/messages.js';

/** A minimal protocol speaker: requests with ids and replies, nothing else. */
export class Conn {
  private nextId = 1;
  private readonly waiting = new Map<number, (h: Record<string, unknown>) => void>();
  /** Events (headers without an id) by type. */
  private readonly listeners = new Map<string, (h: Record<string, unknown>) => void>();
  closed = false;
  closeCode: number | undefined;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d: Buffer) => {
      const end = 4 + d.readUInt32BE(0);
      // Events put their type last: one nobody listens to (members' reports, 5,000 a second in
      // bench/scale) is dropped without parsing, so that the bench's own CPU stays out of its figures.
      const tail = /"type":"([a-z.]+)"\}$/.exec(d.toString('latin1', Math.max(4, end - 48), end));
      if (tail && tail[1] !== 'reply' && !this.listeners.has(tail[1]!)) return;
      const h = JSON.parse(d.subarray(4, end).toString()) as Record<string, unknown>;
      if (h.type === 'reply') {
        this.waiting.get(h.replyTo as number)?.(h);
        this.waiting.delete(h.replyTo as number);
      } else if (h.id === undefined) {
        this.listeners.get(h.type as string)?.(h);
      }
    });
    ws.on('close', (code: number) => {
      this.closed = true;
      this.closeCode = code;
      for (const w of this.waiting.values()) w({ error: { code: 'CLOSED' } });
      this.waiting.clear();
    });
    ws.on('error', () => {});
  }

  /**
   * `to`: a port on 127.0.0.1, or `host:port`. `localAddress`: the source address (any of 127.0.0.0/8),
   * so that many connections look like many homes to the servers' per-address limits.
   */
  static async open(to: number | string, role: 'client' | 'sub' = 'client', localAddress?: string): Promise<Conn> {
    const address = typeof to === 'number' ? `127.0.0.1:${to}` : to;
    // An all-zero mask: attackers choose their masks, and this keeps their CPU off the servers' cores.
    const ws = new WebSocket(`ws://${address}/`, { perMessageDeflate: false, generateMask: (m: Buffer) => void m.fill(0), ...(localAddress ? { localAddress } : {}) });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const c = new Conn(ws);
    const r = await c.request('hello', { protocol: PROTOCOL_VERSION, role, version: 'bench-abuse' });
    if (r.error) throw new Error(`hello: ${JSON.stringify(r.error)}`);
    return c;
  }

  request(type: string, params: object = {}, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ error: { code: 'TIMEOUT' } }), timeoutMs);
      this.waiting.set(id, (h) => {
        clearTimeout(timer);
        resolve(h);
      });
      this.ws.send(encodeFrame({ ...params, type, id }));
    });
  }

  /** Call `fn` with each event of this type (one listener per type). */
  on(type: string, fn: (h: Record<string, unknown>) => void): void {
    this.listeners.set(type, fn);
  }

  /** Send an event (no reply). */
  emit(type: string, body: object): void {
    this.ws.send(encodeFrame({ ...body, type }));
  }

  /** Send without waiting (ids are never looked up). */
  fire(type: string, params: object = {}): void {
    this.ws.send(encodeFrame({ ...params, type, id: this.nextId++ }));
  }

  /** Stop reading from the socket, as a client that never reads its replies. */
  stopReading(): void {
    (this.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  }

  socket(): { pause(): void; resume(): void } {
    return (this.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  }
}
