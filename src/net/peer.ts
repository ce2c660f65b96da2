/**
 * One WebSocket connection: frames in, validated messages out to typed handlers; typed requests with
 * ids and timeouts; events; back-pressure-aware sends. Nothing reaches a handler unparsed.
 */
import type { WebSocket, RawData } from 'ws';
import type { z } from 'zod';
import { decodeFrame, FrameError, FRAME_LIMITS } from './frame.js';
import { sendFrame } from './send-frame.js';
import { requests, events, Reply, CloseCode, describeIssues, type RequestName, type EventName, type Params, type Result, type EventBody, type ErrorBody } from './messages.js';
import { actingSchema, isRelayed, type Accepts } from './directions.js';
import { WatchpartyError, fromWire, isDiskFull } from '../core/errors.js';
import { ReadGate, UNTRUSTED_LIMITS, type PeerLimits } from './flow.js';
import type { Logger } from '../core/log.js';
import { PendingRequests } from './pending.js';
import { PayloadReply, type EventHandler, type Handler, type PeerOptions } from './peer-contract.js';

export { PayloadReply, type RequestContext, type PeerOptions } from './peer-contract.js';

const DEFAULT_TIMEOUT_MS = 10_000;
/** Room left in a header for the envelope around a result (type, replyTo). */
const RESULT_HEADROOM = 256;

export class Peer {
  name: string;
  private accepts: Accepts;
  private readonly log: Logger;
  private readonly pending = new PendingRequests();
  private readonly handlers = new Map<string, Handler<RequestName>>();
  private readonly eventHandlers = new Map<string, EventHandler<EventName>[]>();
  private readonly closeListeners: ((code: number, reason: string) => void)[] = [];
  private badMessages = 0;
  private readonly requestTimeoutMs: number;
  private readonly maxBadMessages: number;
  private readonly highWaterBytes: number;
  /** When to stop reading from this socket (see flow.ts). */
  private readonly gate: ReadGate;
  private admission: (() => { code: number; reason: string } | undefined) | undefined;
  private readyTimer: NodeJS.Timeout | undefined;
  closed = false;

  constructor(
    readonly ws: WebSocket,
    opts: PeerOptions,
  ) {
    this.name = opts.name;
    this.accepts = opts.accepts;
    this.log = opts.log;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxBadMessages = opts.maxBadMessages ?? 5;
    this.highWaterBytes = opts.highWaterBytes ?? 4 * 1024 * 1024;
    this.gate = new ReadGate(ws, opts.limits ?? UNTRUSTED_LIMITS);
    if (opts.readyTimeoutMs !== undefined) {
      const ms = opts.readyTimeoutMs;
      this.readyTimer = setTimeout(() => this.reject(CloseCode.notReady, `not ready within ${ms} ms (hello, then register or open a session)`), ms);
      this.readyTimer.unref();
    }
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('error', (err: Error & { code?: string }) => {
      // ws reports oversized frames, bad UTF-8, bad opcodes here and then closes the socket itself.
      this.log.warn(`connection error from ${this.name}: ${err.message}`, { code: err.code });
    });
    ws.on('close', (code, reasonBuf) => this.onClose(code, reasonBuf.toString()));
  }

  /**
   * Asked before each message is handled: a reason to close instead (a central whose leadership ended
   * while it was frozen must not answer what queued up meanwhile from what it remembers).
   */
  setAdmission(admission: () => { code: number; reason: string } | undefined): void {
    this.admission = admission;
  }

  /** Change what this peer accepts (after hello, the role's full set). */
  setAccepts(accepts: Accepts): void {
    this.accepts = accepts;
  }

  /** The connection is established (hello done, sub registered, session open): stop the ready timer. */
  markReady(): void {
    clearTimeout(this.readyTimer);
    this.readyTimer = undefined;
  }

  /** Change what this peer may make us hold (a registered sub gets CLUSTER_LIMITS). */
  setLimits(limits: PeerLimits): void {
    this.gate.setLimits(limits);
  }

  /** Serve a request type. */
  handle<K extends RequestName>(type: K, handler: Handler<K>): this {
    this.handlers.set(type, handler as unknown as Handler<RequestName>);
    return this;
  }

  /** Listen to an event type. */
  on<E extends EventName>(type: E, handler: EventHandler<E>): this {
    const list = this.eventHandlers.get(type) ?? [];
    list.push(handler as unknown as EventHandler<EventName>);
    this.eventHandlers.set(type, list);
    return this;
  }

  /** Stop listening with a handler given to `on`. */
  off<E extends EventName>(type: E, handler: EventHandler<E>): this {
    const list = this.eventHandlers.get(type);
    if (list) this.eventHandlers.set(type, list.filter((h) => h !== (handler as unknown as EventHandler<EventName>)));
    return this;
  }

  onceClosed(listener: (code: number, reason: string) => void): void {
    if (this.closed) listener(1006, 'already closed');
    else this.closeListeners.push(listener);
  }

  /** Send a request and wait for its validated result. */
  async request<K extends RequestName>(type: K, params: Params<K>, opts: { payload?: Buffer; timeoutMs?: number } = {}): Promise<Result<K>> {
    return (await this.requestWithPayload(type, params, opts)).result;
  }

  /** Like request, but also returns the reply's raw payload. */
  requestWithPayload<K extends RequestName>(
    type: K,
    params: Params<K>,
    opts: { payload?: Buffer; timeoutMs?: number } = {},
  ): Promise<{ result: Result<K>; payload: Buffer | undefined }> {
    if (this.closed) return Promise.reject(new WatchpartyError('DISCONNECTED', `not connected to ${this.name}`));
    const timeoutMs = opts.timeoutMs ?? this.requestTimeoutMs;
    const { id, answer } = this.pending.open(type, timeoutMs, () => new WatchpartyError('TIMEOUT', `${type} to ${this.name} got no reply within ${timeoutMs} ms`));
    this.log.debug(`-> ${this.name} ${type} id=${id}`);
    this.send({ ...params, type, id }, opts.payload).catch((err: Error) => {
      this.pending.fail(id, new WatchpartyError('DISCONNECTED', `could not send ${type} to ${this.name}: ${err.message}`));
    });
    return answer as Promise<{ result: Result<K>; payload: Buffer | undefined }>;
  }

  /** Send an event; resolves once the bytes are handed to the socket. */
  emit<E extends EventName>(type: E, body: EventBody<E>, payload?: Buffer): Promise<void> {
    this.log.debug(`-> ${this.name} ${type}`);
    return this.send({ ...body, type }, payload).catch((err: Error) => {
      this.log.debug(`dropped ${type} to ${this.name}: ${err.message}`);
    });
  }

  /** Close with one of our codes and a readable reason (both sides log it). */
  close(code: number, reason: string): void {
    if (this.closed) return;
    // Close reasons are limited to 123 bytes by RFC 6455.
    const short = Buffer.from(reason).subarray(0, 120).toString();
    try {
      this.ws.close(code, short);
    } catch {
      this.ws.terminate();
    }
    // A peer that ignores the close handshake must not hold the socket open.
    setTimeout(() => this.ws.terminate(), 2000).unref();
  }

  /** Bytes queued in the socket and not yet sent. */
  get bufferedBytes(): number {
    return this.ws.bufferedAmount;
  }

  /** Send one frame (see sendFrame); a peer that stopped reading is closed once its queue is full. */
  private send(header: object, payload?: Buffer): Promise<void> {
    return sendFrame(this.ws, header, payload, {
      maxQueuedBytes: this.gate.limits.maxQueuedBytes,
      highWaterBytes: this.highWaterBytes,
      onQueueFull: () => {
        this.gate.shut();
        this.reject(CloseCode.sendQueueFull, `more than ${this.gate.limits.maxQueuedBytes} bytes wait to be sent: the peer does not read`);
      },
      onQueued: () => this.gate.update(),
    });
  }

  private rejected = false;
  private reject(code: number, reason: string): void {
    // Once: messages already read after the decision must not each log it again.
    if (this.rejected) return;
    this.rejected = true;
    this.log.warn(`closing connection from ${this.name}: ${reason}`);
    this.close(code, reason);
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.closed || this.rejected) return;
    const refused = this.admission?.();
    if (refused) {
      this.close(refused.code, refused.reason);
      return;
    }
    if (!this.gate.message()) {
      // A flooder keeps sending through the close handshake, and parsing its megabytes of frames only
      // to drop them cost the servers more than anything else under bench/abuse: read nothing more
      // (it gets our close frame; the socket goes when the handshake times out).
      this.gate.shut();
      this.reject(CloseCode.flood, `more than ${this.gate.limits.messagesPerSecond} messages a second`);
      return;
    }
    if (!isBinary) {
      this.reject(1003, 'text frames are not part of the protocol; send binary frames');
      return;
    }
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    let frame;
    try {
      frame = decodeFrame(buf, FRAME_LIMITS);
    } catch (err) {
      if (err instanceof FrameError) {
        this.reject(CloseCode.badFrame, `bad frame: ${err.message}`);
        return;
      }
      throw err;
    }
    const { header, payload } = frame;
    const type = header.type;
    if (type === 'reply') {
      this.onReply(header, payload);
      return;
    }
    if (typeof type !== 'string') {
      this.reject(CloseCode.unknownType, 'header has no "type" string');
      return;
    }
    if ((this.accepts.requests as readonly string[]).includes(type)) {
      void this.onRequest(type as RequestName, header, payload);
    } else if ((this.accepts.events as readonly string[]).includes(type)) {
      this.onEvent(type as EventName, header, payload);
    } else if (!Object.hasOwn(requests, type) && !Object.hasOwn(events, type)) {
      this.reject(CloseCode.unknownType, `unknown message type ${JSON.stringify(type.slice(0, 40))}`);
    } else {
      const helloFirst = this.accepts.requests.length === 1 && this.accepts.requests[0] === 'hello';
      this.reject(helloFirst ? CloseCode.helloRequired : CloseCode.unknownType, `message type ${type} is not accepted here (${helloFirst ? 'send hello first' : 'wrong direction'})`);
    }
  }

  private countBad(why: string): void {
    this.badMessages += 1;
    this.log.warn(`bad message from ${this.name}: ${why}`);
    if (this.badMessages >= this.maxBadMessages) {
      this.reject(CloseCode.tooManyBadMessages, `too many invalid messages (${this.badMessages}); last: ${why}`);
    }
  }

  private async onRequest(type: RequestName, header: Record<string, unknown>, payload: Buffer | undefined): Promise<void> {
    const id = header.id;
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) {
      this.countBad(`${type} request without a numeric id`);
      return;
    }
    const parsed = this.schemaOf(type, requests[type].params).safeParse(header);
    if (!parsed.success) {
      const why = `${type}: ${describeIssues(parsed.error)}`;
      this.replyError(id, { code: 'BAD_MESSAGE', message: why });
      this.countBad(why);
      return;
    }
    this.log.debug(`<- ${this.name} ${type} id=${id}`);
    const handler = this.handlers.get(type);
    if (!handler) {
      this.replyError(id, { code: 'UNKNOWN_REQUEST', message: `${type} is not served here` });
      return;
    }
    const ended = this.gate.started(payload?.length ?? 0);
    try {
      const out = await handler(parsed.data as Params<RequestName>, { payload, peer: this });
      if (out instanceof PayloadReply) await this.send({ type: 'reply', replyTo: id, result: out.result }, out.payload).catch(() => {});
      else await this.sendResult(id, type, out);
    } catch (err) {
      if (err instanceof WatchpartyError) {
        this.replyError(id, { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) });
      } else if (isDiskFull(err)) {
        // Not a bug: the operator must free space. The client gets no path or errno text, only the fact.
        this.log.error(`${type} from ${this.name} failed: the disk is full (${(err as Error).message})`);
        this.replyError(id, { code: 'NO_SPACE', message: `the server is out of disk space and cannot handle ${type} now` });
      } else {
        this.log.error(`handler for ${type} failed: ${(err as Error).stack ?? String(err)}`);
        this.replyError(id, { code: 'INTERNAL', message: `the server failed while handling ${type}` });
      }
    } finally {
      ended();
    }
  }

  /** A result as a header, or as JSON in the payload when it is larger than a header may be. */
  private async sendResult(id: number, type: string, out: unknown): Promise<void> {
    const json = Buffer.from(JSON.stringify(out ?? {}), 'utf8');
    const sent = json.length <= FRAME_LIMITS.maxHeaderBytes - RESULT_HEADROOM
      ? this.send({ type: 'reply', replyTo: id, result: out })
      : this.send({ type: 'reply', replyTo: id, resultInPayload: true }, json);
    await sent.catch((err: Error) => {
      if (this.closed) return;
      // Never leave the asker to time out: say why there is no answer.
      this.log.warn(`reply to ${type} for ${this.name} not sent: ${err.message}`);
      this.replyError(id, { code: 'INTERNAL', message: `the answer to ${type} could not be sent (${err.message})` });
    });
  }

  /** The schema a message is checked against here: relayed ones carry the acting user on a sub's link. */
  private schemaOf(type: string, schema: z.ZodType): z.ZodType {
    return this.accepts.actingUser && isRelayed(type) ? actingSchema(type) : schema;
  }

  private replyError(id: number, error: ErrorBody): void {
    this.log.debug(`-> ${this.name} error replyTo=${id} code=${error.code}`);
    this.send({ type: 'reply', replyTo: id, error }).catch(() => {});
  }

  private onEvent(type: EventName, header: Record<string, unknown>, payload: Buffer | undefined): void {
    const parsed = this.schemaOf(type, events[type]).safeParse(header);
    if (!parsed.success) {
      this.countBad(`${type}: ${describeIssues(parsed.error)}`);
      return;
    }
    this.log.debug(`<- ${this.name} ${type}`);
    for (const h of this.eventHandlers.get(type) ?? []) {
      try {
        h(parsed.data as EventBody<EventName>, payload, this);
      } catch (err) {
        this.log.error(`event handler for ${type} failed: ${(err as Error).stack ?? String(err)}`);
      }
    }
  }

  private onReply(header: Record<string, unknown>, payload: Buffer | undefined): void {
    const parsed = Reply.safeParse(header);
    if (!parsed.success) {
      this.countBad(`reply: ${describeIssues(parsed.error)}`);
      return;
    }
    const reply = parsed.data;
    const pending = this.pending.take(reply.replyTo);
    if (!pending) {
      this.log.debug(`late or unknown reply ${reply.replyTo} from ${this.name}`);
      return;
    }
    if ('error' in reply) {
      pending.reject(fromWire(reply.error));
      return;
    }
    let body: unknown;
    if ('resultInPayload' in reply) {
      try {
        body = JSON.parse((payload ?? Buffer.alloc(0)).toString('utf8'));
      } catch {
        pending.reject(new WatchpartyError('BAD_MESSAGE', `${pending.type} reply from ${this.name}: the payload is not JSON`));
        return;
      }
      payload = undefined;
    } else body = reply.result;
    const result = requests[pending.type].result.safeParse(body);
    if (!result.success) {
      pending.reject(new WatchpartyError('BAD_MESSAGE', `${pending.type} reply from ${this.name}: ${describeIssues(result.error)}`));
      return;
    }
    pending.resolve({ result: result.data, payload });
  }

  private onClose(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.readyTimer);
    this.gate.dispose();
    this.pending.failAll(() => new WatchpartyError('DISCONNECTED', `connection to ${this.name} closed (${code}${reason ? ': ' + reason : ''})`));
    for (const l of this.closeListeners) l(code, reason);
  }
}
