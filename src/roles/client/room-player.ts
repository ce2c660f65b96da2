/**
 * Keeps a local mpv on the room's frame: applies sequenced room events (asking for a snapshot when one
 * is missing), runs the sync loop (SYNC in player/sync-policy.ts), sends the admin's heartbeat, and
 * turns what a person does in the mpv window into room controls (admin) or reverts it (guest).
 */
import type { Peer } from '../../net/peer.js';
import type { RoomState } from '../../net/messages.js';
import type { MpvHandle } from '../../player/mpv-process.js';
import { bestOffset, emptyEstimate, type ClockEstimate } from '../../player/clock-offset.js';
import { localNow, measureClock } from './clock-sync.js';
import { SYNC, pausedNeedsSeek, planStart, startLeadFor, steadyAction } from '../../player/sync-policy.js';
import { positionAt, clock } from '../shared/room.js';
import type { Logger } from '../../core/log.js';

export interface PlayerStatus {
  room: string;
  seq: number;
  position: number;
  expected: number;
  error_ms: number;
  paused: boolean;
  speed: number;
}

export class RoomPlayer {
  private room: RoomState;
  private clockEst: ClockEstimate = emptyEstimate();
  private timers: NodeJS.Timeout[] = [];
  /** Bumped by every new plan, so a stale scheduled start does nothing. */
  private generation = 0;
  private busyUntilMs = 0;
  private maneuvering = false;
  private speed = 1;
  /** What an exact seek costs here (ms, smoothed): sets how far ahead starts are scheduled. */
  private seekCostMs = 150;
  /**
   * Error seen just after a scheduled start (ms, smoothed): mpv's clock can jump a little when it
   * unpauses after an exact seek; seeking that much earlier next time cancels it.
   */
  private startBiasMs = 0;
  private measureBiasNext = false;
  private ourSeeks = 0;
  private expectPause: { value: boolean; untilMs: number } | undefined;
  private stopped = false;
  /** A room.join is on its way because the room listed us as away while we watch. */
  private rejoining = false;
  /** mpv's own start-up (loading, the --start seek) is not a person at the keys: ignore it. */
  private userActionsFromMs = Number.POSITIVE_INFINITY;
  private lastError = 0;
  private lastPosition = 0;
  private lastExpected = 0;
  private readonly closedListeners: ((text: string) => void)[] = [];

  constructor(
    private peer: Peer,
    initial: RoomState,
    readonly mpv: MpvHandle,
    readonly user: string,
    private readonly log: Logger,
  ) {
    this.room = initial;
  }

  get isAdmin(): boolean {
    return this.room.admin.toLowerCase() === this.user.toLowerCase();
  }

  get state(): RoomState {
    return this.room;
  }

  centralNow(): number {
    return localNow() + (bestOffset(this.clockEst)?.offsetMs ?? 0);
  }

  onClosed(listener: (text: string) => void): void {
    this.closedListeners.push(listener);
  }

  /** Measure the clock offset with a few quick exchanges (lowest RTT wins). */
  async syncClock(rounds = 6): Promise<void> {
    this.clockEst = await measureClock(this.peer, rounds, this.clockEst);
    const best = bestOffset(this.clockEst)!;
    this.log.debug(`clock offset to central ${best.offsetMs.toFixed(2)} ms (rtt ${best.rttMs.toFixed(2)} ms)`);
  }

  /** Adopt an estimate measured before the player existed (while mpv was starting). */
  useClock(est: ClockEstimate): void {
    this.clockEst = est;
  }

  /** Start following the room: observe mpv, apply the state, start the loops. */
  async start(): Promise<void> {
    this.mpv.ipc.on('property', (name: string, value: unknown) => {
      if (name === 'pause' && typeof value === 'boolean') void this.onPauseChanged(value);
    });
    this.mpv.ipc.on('event', (e: { event: string }) => {
      if (e.event === 'seek') this.onSeekEvent();
    });
    await this.mpv.ipc.observe('pause');
    await this.waitUntilLoaded();
    this.apply(this.room, 'joined');
    this.userActionsFromMs = localNow() + 1500;
    this.every(SYNC.tickMs, () => void this.tick());
    this.every(10_000, () => void this.syncClock(2).catch(() => {}));
    // Checked every second rather than once: the admin role can be handed over while we watch.
    this.every(1000, () => {
      if (this.isAdmin) void this.peer.emit('room.heartbeat', { roomId: this.room.id });
    });
  }

  /** After a reconnect: new connection, fresh snapshot. */
  async rebind(peer: Peer, room: RoomState): Promise<void> {
    this.peer = peer;
    await this.syncClock(4).catch(() => {});
    this.apply(room, 'reconnected');
  }

  /** A room event arrived: apply it in sequence, or fetch a snapshot when one is missing. */
  async onEvent(event: { seq: number; text: string; change: string }, room: RoomState): Promise<void> {
    if (room.id !== this.room.id || event.seq <= this.room.seq) return;
    if (event.seq > this.room.seq + 1) {
      this.log.warn(`room ${room.id}: missed events ${this.room.seq + 1}..${event.seq - 1}; fetching a snapshot`);
      const snap = await this.peer.request('room.get', { roomId: room.id });
      this.apply(snap.room, 'snapshot');
    } else {
      this.apply(room, event.change, event.text);
    }
    void this.osd(event.text);
  }

  private every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    this.timers.push(t);
  }

  private osd(text: string): Promise<unknown> {
    return this.mpv.ipc.command(['show-text', text, 2500]).catch(() => {});
  }

  /** Make the player match `room` now; `text` is the event's own words (why a room closed). */
  apply(room: RoomState, why: string, text?: string): void {
    const prev = this.room;
    this.room = room;
    const member = room.members.some((m) => m.toLowerCase() === this.user.toLowerCase());
    if (member && !room.closed && !room.watching.some((w) => w.toLowerCase() === this.user.toLowerCase())) this.rejoin();
    // Membership and presence events carry the same playback: nothing to redo.
    const samePlayback = prev.paused === room.paused && prev.positionMs === room.positionMs && prev.atMs === room.atMs && !room.closed && room.members.length >= prev.members.length;
    if (samePlayback && why !== 'joined' && why !== 'reconnected' && why !== 'snapshot' && !why.includes('drift') && !why.includes('reverted')) return;
    const gen = ++this.generation;
    const removed = !room.members.some((m) => m.toLowerCase() === this.user.toLowerCase());
    if (room.closed || removed) {
      const said = removed ? `${room.admin} removed you from room ${room.id}` : why === 'closed' && text ? `room ${room.id}: ${text}` : `room ${room.id} was closed by ${room.admin}`;
      for (const l of this.closedListeners) l(said);
      return;
    }
    this.log.debug(`apply #${room.seq} (${why}): ${room.paused ? 'paused' : 'playing'} at ${room.positionMs} ms`);
    if (room.paused) void this.holdAt(room.positionMs, gen);
    else void this.scheduledStart(gen);
  }

  /**
   * Wait (bounded) until mpv has opened the stream: a seek sent while it is still loading ends with
   * the *load's* playback-restart, and a start scheduled on that would begin before the seek is done.
   */
  private async waitUntilLoaded(timeoutMs = 10_000): Promise<void> {
    const deadline = localNow() + timeoutMs;
    while (localNow() < deadline) {
      const [t, seeking] = await Promise.all([
        this.mpv.ipc.getProperty<number | null>('playback-time').catch(() => null),
        this.mpv.ipc.getProperty<boolean>('seeking').catch(() => true),
      ]);
      if (t !== null && !seeking) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    this.log.warn('mpv took more than 10 s to open the stream');
  }

  private async setPause(value: boolean): Promise<void> {
    this.expectPause = { value, untilMs: localNow() + 1000 };
    await this.mpv.ipc.setProperty('pause', value).catch(() => {});
  }

  private async setSpeed(rate: number): Promise<void> {
    this.speed = rate;
    await this.mpv.ipc.setProperty('speed', rate).catch(() => {});
  }

  private async seekExact(ms: number): Promise<void> {
    this.ourSeeks += 1;
    const restarted = new Promise<void>((resolve) => {
      const onEvent = (e: { event: string }) => {
        if (e.event === 'playback-restart') {
          this.mpv.ipc.off('event', onEvent);
          resolve();
        }
      };
      this.mpv.ipc.on('event', onEvent);
      setTimeout(() => {
        this.mpv.ipc.off('event', onEvent);
        resolve();
      }, 3000);
    });
    await this.mpv.ipc.command(['seek', ms / 1000, 'absolute+exact']).catch(() => {
      this.ourSeeks = Math.max(0, this.ourSeeks - 1);
    });
    await restarted;
    // Trust the position, not just the event: wait (bounded) until mpv shows the frame we asked for.
    const deadline = localNow() + 2000;
    while (localNow() < deadline) {
      const [t, seeking] = await Promise.all([
        this.mpv.ipc.getProperty<number | null>('playback-time').catch(() => null),
        this.mpv.ipc.getProperty<boolean>('seeking').catch(() => false),
      ]);
      if (!seeking && t !== null && Math.abs(t * 1000 - ms) <= 50) return;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Paused room: pause and show exactly its frame. */
  private async holdAt(positionMs: number, gen: number): Promise<void> {
    this.maneuvering = true;
    try {
      await this.setPause(true);
      await this.setSpeed(1);
      const at = await this.mpv.ipc.getProperty<number | null>('playback-time').catch(() => null);
      if (gen !== this.generation) return;
      if (at === null || pausedNeedsSeek(at * 1000, positionMs)) await this.seekExact(positionMs);
    } finally {
      if (gen === this.generation) {
        this.maneuvering = false;
        this.busyUntilMs = localNow() + SYNC.settleMs;
      }
    }
  }

  /** Playing room: pause, seek a little ahead, and unpause when the room reaches that frame. */
  private async scheduledStart(gen: number): Promise<void> {
    this.maneuvering = true;
    try {
      const planned = planStart(this.room, this.centralNow(), startLeadFor(this.seekCostMs));
      const plan = { ...planned, seekToMs: Math.max(0, planned.seekToMs - this.startBiasMs) };
      await this.setPause(true);
      await this.setSpeed(1);
      const seekStarted = localNow();
      await this.seekExact(plan.seekToMs);
      this.seekCostMs = 0.7 * this.seekCostMs + 0.3 * (localNow() - seekStarted);
      if (gen !== this.generation) return;
      const waitMs = plan.startAtCentralMs - this.centralNow();
      if (waitMs < -SYNC.resyncIfOffByMs) {
        // The seek took longer than planned: plan again from where the room is now.
        this.log.debug(`start missed by ${(-waitMs).toFixed(0)} ms; replanning`);
        void this.scheduledStart(gen);
        return;
      }
      await new Promise((r) => setTimeout(r, Math.max(0, waitMs)));
      if (gen !== this.generation) return;
      await this.setPause(false);
      this.log.debug(`scheduled start: seek ${plan.seekToMs} ms cost ${this.seekCostMs.toFixed(0)} ms, unpaused ${(this.centralNow() - plan.startAtCentralMs).toFixed(1)} ms after the planned instant`);
      this.measureBiasNext = true;
    } finally {
      if (gen === this.generation) {
        this.maneuvering = false;
        this.busyUntilMs = localNow() + SYNC.settleMs;
      }
    }
  }

  /** One sample: where mpv is against where the room is. */
  async sample(): Promise<{ positionMs: number; expectedMs: number; paused: boolean } | undefined> {
    const t0 = localNow();
    // audio-pts moves continuously (even with --ao=null); playback-time moves in whole frames, so it
    // is only the fallback for videos without sound (or before the audio is decoded).
    const [audio, frame, paused] = await Promise.all([
      this.mpv.ipc.getProperty<number | null>('audio-pts').catch(() => null),
      this.mpv.ipc.getProperty<number | null>('playback-time').catch(() => null),
      this.mpv.ipc.getProperty<boolean>('pause').catch(() => true),
    ]);
    // Paused, the shown frame is what counts (audio-pts can sit a few frames away after an exact seek).
    const pos = paused ? (frame ?? audio) : (audio ?? frame);
    if (pos === null) return undefined;
    // Stamp the reading at the midpoint of the request and its reply.
    const at = (t0 + localNow()) / 2 + (bestOffset(this.clockEst)?.offsetMs ?? 0);
    return { positionMs: pos * 1000, expectedMs: positionAt(this.room, at), paused };
  }

  private async tick(): Promise<void> {
    if (this.stopped || this.maneuvering || localNow() < this.busyUntilMs) return;
    const s = await this.sample();
    if (!s || this.maneuvering) return;
    this.lastPosition = s.positionMs;
    this.lastExpected = s.expectedMs;
    this.lastError = s.positionMs - s.expectedMs;
    if (this.measureBiasNext && !this.room.paused && Math.abs(this.lastError) < SYNC.resyncIfOffByMs) {
      this.measureBiasNext = false;
      this.startBiasMs = Math.max(-150, Math.min(150, this.startBiasMs + 0.5 * this.lastError));
      this.log.debug(`error after the start ${this.lastError.toFixed(1)} ms; start bias now ${this.startBiasMs.toFixed(1)} ms`);
    }
    if (this.room.paused) {
      if (pausedNeedsSeek(s.positionMs, this.room.positionMs) || !s.paused) this.apply(this.room, 'paused drift');
      return;
    }
    if (s.expectedMs >= this.room.durationMs - 50) return; // the end: nothing to correct
    const action = steadyAction(this.lastError, this.speed);
    if (action.kind === 'resync') {
      this.log.debug(`off by ${this.lastError.toFixed(0)} ms: scheduled restart`);
      this.apply(this.room, 'drift');
    } else if (action.kind === 'speed') {
      await this.setSpeed(action.rate);
    }
  }

  status(): PlayerStatus {
    // Position and expected come from the same sample, so they can be compared directly.
    return {
      room: this.room.id,
      seq: this.room.seq,
      position: Math.round(this.lastPosition) / 1000,
      expected: Math.round(this.lastExpected) / 1000,
      error_ms: Math.round(this.lastError * 10) / 10,
      paused: this.room.paused,
      speed: this.speed,
    };
  }

  /** mpv's pause flipped: ours, or a person's in the mpv window? */
  private async onPauseChanged(value: boolean): Promise<void> {
    const ours = this.expectPause && this.expectPause.value === value && localNow() < this.expectPause.untilMs;
    if (ours || this.stopped || this.maneuvering || localNow() < this.userActionsFromMs) return;
    if (this.isAdmin) {
      this.log.info(`admin ${value ? 'paused' : 'played'} in mpv`);
      await this.peer.request('room.control', { roomId: this.room.id, action: value ? 'pause' : 'play' }).catch((err: Error) => void this.osd(err.message));
    } else {
      await this.osd(`only the admin (${this.room.admin}) controls this room`);
      this.apply(this.room, 'guest pause reverted');
    }
  }

  private onSeekEvent(): void {
    if (this.ourSeeks > 0) {
      this.ourSeeks -= 1;
      return;
    }
    if (this.stopped || this.maneuvering || localNow() < this.userActionsFromMs) return;
    // A seek we did not order: the person used the keys or the seek bar.
    const handle = async () => {
      await new Promise((r) => setTimeout(r, 150));
      const pos = await this.mpv.ipc.getProperty<number | null>('playback-time').catch(() => null);
      if (pos === null) return;
      if (this.isAdmin) {
        this.log.info(`admin seeked in mpv to ${clock(pos * 1000)}`);
        await this.peer.request('room.control', { roomId: this.room.id, action: 'seek', positionMs: Math.round(pos * 1000) }).catch((err: Error) => void this.osd(err.message));
      } else {
        await this.osd(`only the admin (${this.room.admin}) controls this room`);
        this.apply(this.room, 'guest seek reverted');
      }
    };
    void handle();
  }

  /**
   * The room says we are away while this player is open: another client of ours (a second terminal)
   * left it, and central counts people, not players. Say again that we are here.
   */
  private rejoin(): void {
    if (this.rejoining || this.stopped) return;
    this.rejoining = true;
    this.log.info(`room ${this.room.id} lists us as away while we watch: joining again`);
    void this.peer
      .request('room.join', { roomId: this.room.id })
      .then(({ room }) => {
        if (!this.stopped && room.seq > this.room.seq) this.apply(room, 'rejoined');
      })
      .catch((err: Error) => this.log.warn(`joining room ${this.room.id} again failed: ${err.message}`))
      .finally(() => (this.rejoining = false));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.generation++;
    for (const t of this.timers) clearInterval(t);
    await this.mpv.stop();
  }
}
