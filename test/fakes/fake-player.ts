/**
 * A simulated player and a virtual clock for follower tests: runs the pure follower against a player
 * model (position, pause, speed; seeks that take `seekCostMs`; events reported `eventDelayMs` later),
 * with the sync tick every 100 ms, until a given time. Everything happens on one timeline, so a test
 * reads as a recorded sequence: "at 1000 ms the admin played; at 1450 ms a guest pressed pause".
 */
import { follow, newFollower, wantsSample, type FollowedRoom, type FollowerCommand, type FollowerInput, type FollowerState } from '../../src/player/follower.js';
import { SYNC } from '../../src/player/sync-policy.js';
import type { BufferState } from '../../src/player/buffer-health.js';

export interface FakePlayerOptions {
  seekCostMs?: number;
  eventDelayMs?: number;
  /** The player's clock runs this much fast (ms of video per ms of real time − 1), to test drift. */
  drift?: number;
  /** Frames this long: an exact seek lands on the first frame at or after its target (as mpv's does). */
  frameMs?: number;
  /** After an unpause the picture starts moving this much later (mpv's audio output starting, say). */
  unpauseLatencyMs?: number;
}

/** The model: where the fake player is at virtual time `t`. */
export class FakePlayer {
  paused = true;
  /** What the next samples say about the buffer (tests set it: a stall, a refill). */
  buffer: BufferState = { stalled: false, bufferedMs: 10_000, eof: false };
  speed = 1;
  private anchorMs = 0;
  private anchorAt = 0;
  constructor(
    startMs: number,
    readonly opts: FakePlayerOptions = {},
  ) {
    this.anchorMs = startMs;
  }

  positionAt(t: number): number {
    return this.paused || this.buffer.stalled ? this.anchorMs : this.anchorMs + Math.max(0, t - this.anchorAt) * this.speed * (1 + (this.opts.drift ?? 0));
  }

  private reanchor(t: number): void {
    this.anchorMs = this.positionAt(t);
    this.anchorAt = t;
  }

  setPause(value: boolean, t: number): void {
    this.reanchor(t);
    this.paused = value;
    if (!value) this.anchorAt = t + (this.opts.unpauseLatencyMs ?? 0);
  }

  /** The buffer changes at `t` (a stall freezes the frame where it is). */
  setBuffer(buffer: BufferState, t: number): void {
    this.reanchor(t);
    this.buffer = buffer;
  }

  setSpeed(rate: number, t: number): void {
    this.reanchor(t);
    this.speed = rate;
  }

  jump(toMs: number, t: number): void {
    this.anchorMs = toMs;
    this.anchorAt = t;
  }
}

export interface Trace<R extends FollowedRoom> {
  state: FollowerState<R>;
  /** Every command the follower gave, with its time. */
  commands: { atMs: number; command: FollowerCommand }[];
  player: FakePlayer;
  /** Feed an input at time `atMs` (before running past it). */
  at(atMs: number, input: FollowerInput<R> | ((state: FollowerState<R>) => FollowerInput<R>)): void;
  /** A person at the player's keys at `atMs`: the model changes and the player reports it. */
  key(atMs: number, action: { pause: boolean } | { seekTo: number }): void;
  /** Run the timeline up to `untilMs`. */
  run(untilMs: number): void;
  /** Commands of one kind given in (fromMs, toMs]. */
  given<K extends FollowerCommand['kind']>(kind: K, fromMs?: number, toMs?: number): Extract<FollowerCommand, { kind: K }>[];
  nowMs: number;
}

interface Scheduled<R extends FollowedRoom> {
  atMs: number;
  order: number;
  fire: () => FollowerInput<R> | undefined;
}

/** A follower for `user` on `room`, its fake player loaded at `startMs`, starting at `t0`. */
export function simulate<R extends FollowedRoom>(user: string, room: R, opts: FakePlayerOptions & { startMs?: number; t0?: number } = {}): Trace<R> {
  const seekCostMs = opts.seekCostMs ?? 60;
  const eventDelayMs = opts.eventDelayMs ?? 2;
  const player = new FakePlayer(opts.startMs ?? 0, opts);
  const queue: Scheduled<R>[] = [];
  let order = 0;
  let wakeToken = 0;
  /** Like mpv, a player still seeking (into bytes that have not arrived) samples as stalled. */
  let seeksInFlight = 0;
  const sampledBuffer = (): BufferState => (seeksInFlight > 0 ? { ...player.buffer, stalled: true } : player.buffer);
  const schedule = (atMs: number, fire: Scheduled<R>['fire']) => queue.push({ atMs, order: order++, fire });
  const trace: Trace<R> = {
    state: newFollower(user, room),
    commands: [],
    player,
    nowMs: opts.t0 ?? 0,
    at(atMs, input) {
      schedule(atMs, () => (typeof input === 'function' ? input(trace.state) : input));
    },
    key(atMs, action) {
      schedule(atMs, () => {
        if ('pause' in action) {
          if (player.paused === action.pause) return undefined;
          player.setPause(action.pause, atMs);
          schedule(atMs + eventDelayMs, () => ({ type: 'paused', value: action.pause }));
          return undefined;
        }
        // mpv says a seek began at once; the frame changes when it ends.
        schedule(atMs + seekCostMs, () => {
          player.jump(action.seekTo, atMs + seekCostMs);
          return { type: 'seeked', positionMs: action.seekTo };
        });
        return { type: 'seeking' };
      });
    },
    run(untilMs) {
      let nextTick = Math.ceil(trace.nowMs / SYNC.tickMs) * SYNC.tickMs;
      for (let guard = 0; guard < 1_000_000; guard++) {
        queue.sort((a, b) => a.atMs - b.atMs || a.order - b.order);
        const next = queue[0];
        if (nextTick <= untilMs && (!next || nextTick < next.atMs)) {
          trace.nowMs = nextTick;
          const t = nextTick;
          nextTick += SYNC.tickMs;
          if (wantsSample(trace.state, t)) feed({ type: 'sample', plan: trace.state.plan, positionMs: player.positionAt(t), paused: player.paused, atMs: t, buffer: sampledBuffer() });
          continue;
        }
        if (!next || next.atMs > untilMs) break;
        queue.shift();
        trace.nowMs = Math.max(trace.nowMs, next.atMs);
        const input = next.fire();
        if (input) feed(input);
      }
      trace.nowMs = untilMs;
    },
    given(kind, fromMs = -Infinity, toMs = Infinity) {
      return trace.commands.filter((c) => c.command.kind === kind && c.atMs > fromMs && c.atMs <= toMs).map((c) => c.command) as never;
    },
  };
  const feed = (input: FollowerInput<R>) => {
    const t = trace.nowMs;
    const { state, commands } = follow(trace.state, input, t);
    trace.state = state;
    for (const command of commands) {
      trace.commands.push({ atMs: t, command });
      execute(command, t);
    }
  };
  const execute = (c: FollowerCommand, t: number) => {
    switch (c.kind) {
      case 'pause':
        if (player.paused !== c.value) {
          player.setPause(c.value, t);
          schedule(t + eventDelayMs, () => ({ type: 'paused', value: c.value }));
        }
        break;
      case 'seek':
        seeksInFlight++;
        schedule(t + eventDelayMs, () => ({ type: 'seeking' }));
        schedule(t + seekCostMs, () => {
          seeksInFlight--;
          const landed = opts.frameMs ? Math.ceil(c.toMs / opts.frameMs) * opts.frameMs : c.toMs;
          player.jump(landed, t + seekCostMs);
          return { type: 'seeked', positionMs: landed };
        });
        break;
      case 'speed':
        if (player.speed !== c.rate) {
          player.setSpeed(c.rate, t);
          schedule(t + eventDelayMs, () => ({ type: 'speedChanged', rate: c.rate }));
        }
        break;
      case 'wake': {
        const token = ++wakeToken;
        if (c.atMs !== undefined) schedule(c.atMs, () => (token === wakeToken ? { type: 'wake' } : undefined));
        break;
      }
      case 'sample': {
        const plan = c.plan;
        schedule(t + 1, () => ({ type: 'sample', plan, positionMs: player.positionAt(t + 1), paused: player.paused, atMs: t + 1, buffer: sampledBuffer() }));
        break;
      }
      default:
        break;
    }
  };
  return trace;
}
