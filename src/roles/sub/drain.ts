/**
 * The sub's side of a drain: central says "drain" (an operator asked, or we did on SIGTERM), we send
 * each client to the sub central moved it to, and once nobody is left, or at the deadline (telling
 * whoever is left why), we are drained. The rule is roles/shared/drain.ts; this class runs it.
 */
import type { Logger } from '../../core/log.js';
import type { Peer } from '../../net/peer.js';
import { checkDrain, drainText, startDrain, type DrainState } from '../shared/drain.js';

/** How often a draining sub looks at its clients. */
const CHECK_MS = 200;
/** How often it asks central again about sessions still here (opened since, or a move that failed). */
const MOVE_AGAIN_MS = 2000;

export interface SubDrainDeps {
  clients(): number;
  moveAll(reason: string, untilMs: number): void;
  evictAll(reason: string): void;
  central(): Peer | undefined;
  subId(): string;
  log: Logger;
  changed(): void;
  /** Drained: every client moved, or the deadline passed. */
  onDrained(why: 'empty' | 'deadline'): void;
}

export class SubDrain {
  private state: DrainState = { kind: 'serving' };
  private timer: NodeJS.Timeout | undefined;
  private lastMoveMs = 0;

  constructor(private readonly d: SubDrainDeps) {}

  get draining(): boolean {
    return this.state.kind !== 'serving';
  }

  /** "draining: 3 of 7 clients left, 42 s to go", for the TUI and the log. */
  text(nowMs = Date.now()): string {
    return drainText(this.state, this.d.clients(), nowMs);
  }

  /** Central says we drain: move the clients (when another sub takes them) and watch them go. */
  begin(timeoutMs: number, otherSubs: number, nowMs = Date.now()): void {
    const { state, action } = startDrain(this.state, { nowMs, timeoutMs, otherSubs, clients: this.d.clients() });
    const first = this.state.kind === 'serving';
    this.state = state;
    if (state.kind !== 'draining') return;
    if (first) this.d.log.info(this.text(nowMs));
    if (action.kind === 'move') {
      this.lastMoveMs = nowMs;
      this.d.moveAll(`${this.d.subId()} is draining`, state.deadlineMs);
    }
    this.timer ??= setInterval(() => this.check(), CHECK_MS);
    this.d.changed();
    this.check(nowMs);
  }

  /** SIGTERM: ask central to drain us (it answers with the same event an operator's drain sends). */
  async request(timeoutMs: number): Promise<void> {
    const central = this.d.central();
    try {
      if (!central || central.closed) throw new Error('central is not reachable');
      await central.request('sub.drain', { timeoutMs }, { timeoutMs: 5000 });
    } catch (err) {
      // Nobody can place our clients elsewhere: they stay until the deadline, then go.
      this.d.log.warn(`draining without central (${(err as Error).message}): the clients stay until the deadline`);
      this.begin(timeoutMs, 0);
    }
  }

  /** Back with central mid-drain (a link blip, a central restart): ask again for the time that is left. */
  async renew(nowMs = Date.now()): Promise<void> {
    if (this.state.kind !== 'draining') return;
    await this.request(Math.max(1000, this.state.deadlineMs - nowMs));
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private check(nowMs = Date.now()): void {
    // Sessions opened here since, or whose move failed: send them on too (every MOVE_AGAIN_MS).
    if (this.state.kind === 'draining' && this.state.otherSubs > 0 && nowMs - this.lastMoveMs >= MOVE_AGAIN_MS) {
      this.lastMoveMs = nowMs;
      this.d.moveAll(`${this.d.subId()} is draining`, this.state.deadlineMs);
    }
    const { state, action } = checkDrain(this.state, { nowMs, clients: this.d.clients() });
    this.state = state;
    if (action.kind !== 'finish') return;
    clearInterval(this.timer);
    if (action.left > 0) this.d.evictAll(`${this.d.subId()} is shutting down (drained); reconnect to carry on`);
    this.d.log.info(this.text(nowMs));
    this.d.changed();
    this.d.onDrained(action.why);
  }
}
