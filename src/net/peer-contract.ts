/**
 * What a Peer's users see of it: the options it is opened with, the handlers they register, and a
 * handler's answer that carries raw bytes. peer.ts implements it.
 */
import type { Accepts } from './directions.js';
import type { PeerLimits } from './flow.js';
import type { Logger } from '../core/log.js';
import type { EventBody, EventName, Params, RequestName, Result } from './messages.js';
import type { Peer } from './peer.js';

/** A handler's answer that carries raw bytes after the header (e.g. a video chunk). */
export class PayloadReply<T> {
  constructor(
    readonly result: T,
    readonly payload: Buffer,
  ) {}
}

export interface RequestContext {
  payload: Buffer | undefined;
  peer: Peer;
}

export type Handler<K extends RequestName> = (params: Params<K>, ctx: RequestContext) => Promise<Result<K> | PayloadReply<Result<K>>> | Result<K> | PayloadReply<Result<K>>;
export type EventHandler<E extends EventName> = (body: EventBody<E>, payload: Buffer | undefined, peer: Peer) => void;

export interface PeerOptions {
  /** A name for logs: `sub-1`, `client 127.0.0.1:51000`. */
  name: string;
  accepts: Accepts;
  log: Logger;
  requestTimeoutMs?: number;
  /** Schema-invalid messages tolerated before the connection is closed. */
  maxBadMessages?: number;
  /** Above this many buffered bytes, `send` waits for the socket to drain. */
  highWaterBytes?: number;
  /** What this peer may make us hold; default UNTRUSTED_LIMITS. */
  limits?: PeerLimits;
  /** Close the connection unless `markReady()` is called within this long (hello, register, session). */
  readyTimeoutMs?: number;
}
