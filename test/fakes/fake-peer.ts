/** A Peer stand-in for unit tests of client logic: events are emitted by the test, requests answered by a handler. */
import type { Peer } from '../../src/net/peer.js';

type Handler = (body: never) => void;

export class FakePeer {
  private readonly handlers = new Map<string, Set<Handler>>();
  readonly requests: { type: string; params: unknown }[] = [];
  constructor(private readonly answer: (type: string, params: Record<string, unknown>) => unknown) {}

  on(type: string, h: Handler): void {
    if (!this.handlers.has(type)) this.handlers.set(type, new Set());
    this.handlers.get(type)!.add(h);
  }
  off(type: string, h: Handler): void {
    this.handlers.get(type)?.delete(h);
  }
  async request(type: string, params: Record<string, unknown>): Promise<unknown> {
    this.requests.push({ type, params });
    await Promise.resolve();
    return this.answer(type, params);
  }
  /** Deliver an event as the sub would. */
  emit(type: string, body: unknown): void {
    for (const h of this.handlers.get(type) ?? []) h(body as never);
  }
  asPeer(): Peer {
    return this as unknown as Peer;
  }
}
