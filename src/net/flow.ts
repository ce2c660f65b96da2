/**
 * Flow control for one connection: what a peer may make us hold (PeerLimits), a byte budget shared by
 * many connections, and the message-rate rule. Pure except ByteBudget's listeners; Peer applies them.
 */

/** Bounds on what one connection can make us hold. */
export interface PeerLimits {
  /** Stop reading from the socket while more than this many bytes wait to be sent to it (null: never). */
  pauseAboveBytes: number | null;
  /** Close with CloseCode.sendQueueFull once this many bytes would wait to be sent. */
  maxQueuedBytes: number;
  /** Requests handled at once; while this many run, reading pauses (null: unlimited). */
  maxInFlight: number | null;
  /** Payload bytes of running requests, shared by many peers (a sub's clients): over it, reading pauses. */
  payloadBudget?: ByteBudget;
  /** Messages read per second (a burst of twice that is allowed); past it, reading pauses (null: unlimited). */
  messagesPerSecond: number | null;
}

/** Bytes a shared rate still allows at `atMs` (negative: owed; see spendBytes). */
export interface ByteAllowance {
  tokens: number;
  atMs: number;
}

/**
 * Spend `bytes` at `nowMs` under `bytesPerSecond` (a burst of half a second's worth is allowed). The
 * allowance may go negative: a chunk already read is never refused, but the debt must be repaid before
 * anyone reads more. `waitMs` is how long until the allowance is back to zero (0: nothing owed).
 */
export function spendBytes(allowance: ByteAllowance | undefined, nowMs: number, bytesPerSecond: number, bytes: number): { allowance: ByteAllowance; waitMs: number } {
  const burst = bytesPerSecond / 2;
  const refilled = allowance ? Math.min(burst, allowance.tokens + (Math.max(0, nowMs - allowance.atMs) * bytesPerSecond) / 1000) : burst;
  const tokens = refilled - bytes;
  return { allowance: { tokens, atMs: nowMs }, waitMs: tokens >= 0 ? 0 : Math.ceil((-tokens * 1000) / bytesPerSecond) };
}

/**
 * Payload bytes being handled across many connections. Each peer holding some adds them, and every
 * peer that paused for it is told when bytes are released, so a burst from many clients at once cannot
 * hold more than `limitBytes` of chunks (each of which is copied while it is relayed). With
 * `bytesPerSecond`, the payloads read by all of them together are also held to that rate: past it the
 * budget is over until the allowance refills, and a timer then wakes the waiters.
 */
export class ByteBudget {
  used = 0;
  private readonly waiters = new Set<() => void>();
  private allowance: ByteAllowance | undefined;
  private owedUntilMs = 0;
  private refillTimer: NodeJS.Timeout | undefined;
  constructor(
    readonly limitBytes: number,
    readonly bytesPerSecond: number | null = null,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get over(): boolean {
    return this.used > this.limitBytes || this.now() < this.owedUntilMs;
  }

  take(bytes: number): void {
    this.used += bytes;
    if (this.bytesPerSecond === null || bytes <= 0) return;
    const nowMs = this.now();
    const r = spendBytes(this.allowance, nowMs, this.bytesPerSecond, bytes);
    this.allowance = r.allowance;
    if (r.waitMs === 0) return;
    this.owedUntilMs = nowMs + r.waitMs;
    this.armRefill();
  }

  release(bytes: number): void {
    this.used -= bytes;
    this.wake();
  }

  /** Call `fn` whenever bytes are released while under the limit; returns the unsubscribe. */
  onRelease(fn: () => void): () => void {
    this.waiters.add(fn);
    return () => this.waiters.delete(fn);
  }

  /** Wake the waiters once the debt is repaid (re-arming if a timer fires a little early). */
  private armRefill(): void {
    clearTimeout(this.refillTimer);
    this.refillTimer = setTimeout(
      () => {
        this.refillTimer = undefined;
        if (this.now() < this.owedUntilMs) this.armRefill();
        else this.wake();
      },
      Math.max(1, Math.ceil(this.owedUntilMs - this.now())),
    );
    this.refillTimer.unref();
  }

  private wake(): void {
    if (!this.over) for (const w of [...this.waiters]) w();
  }
}

/** Anyone on the network: replies must be read and requests wait their turn. */
export const UNTRUSTED_LIMITS: PeerLimits = { pauseAboveBytes: 256 * 1024, maxQueuedBytes: 24 * 1024 * 1024, maxInFlight: 8, messagesPerSecond: 50 };
/**
 * A cluster link (sub ↔ central) or a server we dialed: never paused, because every user of a sub shares
 * its link to central; the cap only stops a peer that stopped reading altogether.
 */
export const CLUSTER_LIMITS: PeerLimits = { pauseAboveBytes: null, maxQueuedBytes: 512 * 1024 * 1024, maxInFlight: null, messagesPerSecond: null };

/** A connection's message allowance at `atMs` (token bucket). */
export interface Allowance {
  tokens: number;
  atMs: number;
}

/**
 * Spend one message at `nowMs` under `rate` messages a second (bursts of twice that). A new connection
 * starts with half a second's allowance, so reconnecting buys a flooder little. Past the allowance,
 * reading pauses until a tenth of a second's worth is back; a whole second past it (messages already
 * read before the pause took hold) is a flood.
 */
export function spendMessage(allowance: Allowance | undefined, nowMs: number, rate: number): { allowance: Allowance; verdict: 'ok' | 'pause' | 'flood'; resumeAfterMs: number } {
  const burst = rate * 2;
  const refilled = allowance ? Math.min(burst, allowance.tokens + (Math.max(0, nowMs - allowance.atMs) * rate) / 1000) : rate / 2;
  const tokens = refilled - 1;
  const next = { tokens, atMs: nowMs };
  if (tokens < -rate) return { allowance: next, verdict: 'flood', resumeAfterMs: 0 };
  if (tokens >= 0) return { allowance: next, verdict: 'ok', resumeAfterMs: 0 };
  return { allowance: next, verdict: 'pause', resumeAfterMs: Math.ceil(((Math.max(1, rate / 10) - tokens) * 1000) / rate) };
}

/** The socket operations a ReadGate needs (a `ws` WebSocket has them). */
export interface Pausable {
  readonly bufferedAmount: number;
  pause(): void;
  resume(): void;
}

/** How long a connection counts as an uploader after its last payload (it then waits for the shared budget). */
export const UPLOADER_MEMORY_MS = 5000;

/** What a ReadGate knows about its connection when deciding whether to read. */
export interface GateState {
  /** The message allowance is refilling (see spendMessage). */
  refilling: boolean;
  bufferedAmount: number;
  inFlight: number;
  budgetOver: boolean;
  /** When this connection last sent a payload (undefined: never). */
  lastPayloadAtMs: number | undefined;
}

/**
 * Whether to stop reading: while unread replies pass `pauseAboveBytes`, while `maxInFlight` requests run,
 * while the allowance refills, or while the shared payload budget is over and this connection has been
 * uploading lately. A connection that sends no payloads never waits for other people's chunks; the first
 * payload it sends while the budget is over is handled, and then it waits like every uploader (so each
 * connection can overdraw the budget by one message, which its own frame-size limit already bounds).
 */
export function shouldPause(s: GateState, limits: PeerLimits, nowMs: number): boolean {
  const uploading = s.lastPayloadAtMs !== undefined && nowMs - s.lastPayloadAtMs < UPLOADER_MEMORY_MS;
  return (
    s.refilling ||
    (limits.pauseAboveBytes !== null && s.bufferedAmount > limits.pauseAboveBytes) ||
    (limits.maxInFlight !== null && s.inFlight >= limits.maxInFlight) ||
    (s.budgetOver && uploading)
  );
}

/** Applies shouldPause to one socket, re-deciding after every message, send, completion and budget release. */
export class ReadGate {
  private inFlight = 0;
  private paused = false;
  private allowance: Allowance | undefined;
  private refillTimer: NodeJS.Timeout | undefined;
  private unwatchBudget: (() => void) | undefined;
  private lastPayloadAtMs: number | undefined;
  private disposed = false;

  constructor(
    private readonly socket: Pausable,
    private limitsNow: PeerLimits,
  ) {
    this.watchBudget();
  }

  get limits(): PeerLimits {
    return this.limitsNow;
  }

  setLimits(limits: PeerLimits): void {
    this.limitsNow = limits;
    this.watchBudget();
    this.update();
  }

  /** A message arrived: false when the peer is flooding (the caller closes it). */
  message(): boolean {
    const rate = this.limitsNow.messagesPerSecond;
    if (rate === null) return true;
    const r = spendMessage(this.allowance, performance.now(), rate);
    this.allowance = r.allowance;
    if (r.verdict === 'flood') return false;
    if (r.verdict === 'pause' && !this.refillTimer) {
      this.refillTimer = setTimeout(() => {
        this.refillTimer = undefined;
        this.update();
      }, r.resumeAfterMs);
      this.refillTimer.unref();
      this.update();
    }
    return true;
  }

  /** A request started (holding `payloadBytes` of the shared budget until it ends); returns its end. */
  started(payloadBytes: number): () => void {
    this.inFlight += 1;
    const budget = payloadBytes > 0 ? this.limitsNow.payloadBudget : undefined;
    if (payloadBytes > 0) this.lastPayloadAtMs = performance.now();
    budget?.take(payloadBytes);
    this.update();
    return () => {
      this.inFlight -= 1;
      budget?.release(payloadBytes);
      this.update();
    };
  }

  /** Pause or resume reading to match the limits now (call after sends and their completions too). */
  update(): void {
    if (this.disposed) return;
    const state = {
      refilling: this.refillTimer !== undefined,
      bufferedAmount: this.socket.bufferedAmount,
      inFlight: this.inFlight,
      budgetOver: this.limitsNow.payloadBudget?.over ?? false,
      lastPayloadAtMs: this.lastPayloadAtMs,
    };
    const over = shouldPause(state, this.limitsNow, performance.now());
    if (over && !this.paused) {
      this.paused = true;
      this.socket.pause();
    } else if (!over && this.paused) {
      this.paused = false;
      this.socket.resume();
    }
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.refillTimer);
    this.unwatchBudget?.();
  }

  /** Stop reading for good (a peer we are closing for breaking a limit): what it sends next is never parsed. */
  shut(): void {
    this.dispose();
    if (!this.paused) this.socket.pause();
    this.paused = true;
  }

  /** Resume when the shared payload budget frees up, not only when this peer's own requests finish. */
  private watchBudget(): void {
    this.unwatchBudget?.();
    this.unwatchBudget = this.limitsNow.payloadBudget?.onRelease(() => this.update());
  }
}
