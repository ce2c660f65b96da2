/**
 * Runs the pure follower (player/follower.ts) against a real player and a room link: feeds it room
 * events, samples and player events on central's clock, and carries out the commands it returns.
 * Everything decided about sync is in the follower; this file only does I/O and timers.
 */
import type { Peer } from '../../net/peer.js';
import type { RoomState } from '../../net/messages.js';
import type { Player, PlayerEvent } from '../../player/player.js';
import type { Logger } from '../../core/log.js';
import { bestOffset, emptyEstimate, type ClockEstimate } from '../../player/clock-offset.js';
import { follow, isAdmin, newFollower, reportFor, statusOf, wantsSample, type FollowerCommand, type FollowerInput, type FollowerState, type FollowerStatus } from '../../player/follower.js';
import { SYNC } from '../../player/sync-policy.js';
import { linkVerdict, meterLink, newLinkMeter, slowLinkText, type LinkMeter } from '../../player/link-meter.js';
import { deliveryMs, EMPTY_DELIVERY, heard, type DeliveryWindow } from '../../player/delivery-delay.js';
import type { QualityInput } from '../../player/quality.js';
import { positionAt } from '../../core/playback.js';
import { localNow, measureClock } from './clock-sync.js';

function toInput(e: PlayerEvent): FollowerInput<RoomState> {
  switch (e.kind) {
    case 'paused':
      return { type: 'paused', value: e.value, ...(e.atEnd ? { atEnd: true } : {}) };
    case 'speed':
      return { type: 'speedChanged', rate: e.rate };
    case 'seeking':
      return { type: 'seeking' };
    case 'seeked':
      return { type: 'seeked', positionMs: e.positionMs };
    case 'key':
      return { type: 'key', name: e.name };
  }
}

export class FollowRunner {
  private state: FollowerState<RoomState>;
  private player: Player | undefined;
  private clockEst: ClockEstimate = emptyEstimate();
  private wakeTimer: NodeJS.Timeout | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private sampling = false;
  private stopped = false;
  private readonly closedListeners: ((text: string) => void)[] = [];
  private readonly linkListeners: ((text: string, slow: boolean) => void)[] = [];
  private link: LinkMeter = newLinkMeter();
  private needBps: number | undefined;
  private delivery: DeliveryWindow = EMPTY_DELIVERY;
  /** The rendition playing (`source`, `480p`), as the room is told. */
  private rendition: string | undefined;
  /** The video the player has loaded (the room moves on to the next of its queue before we do). */
  private loadedVideo: number | undefined;

  constructor(
    private peer: Peer,
    user: string,
    room: RoomState,
    private readonly log: Logger,
  ) {
    this.state = newFollower(user, room);
  }

  get room(): RoomState {
    return this.state.room;
  }

  get isAdmin(): boolean {
    return isAdmin(this.state);
  }

  /** The follower's state, for tests and status views. */
  get follower(): FollowerState<RoomState> {
    return this.state;
  }

  status(): FollowerStatus {
    return statusOf(this.state);
  }

  centralNow(): number {
    return localNow() + (bestOffset(this.clockEst)?.offsetMs ?? 0);
  }

  onClosed(listener: (text: string) => void): void {
    this.closedListeners.push(listener);
  }

  /** The video's mean rate (bytes/s) at normal speed, to compare the link with. */
  setNeed(bps: number | undefined): void {
    this.needBps = bps;
  }

  /** The link became too slow for the video (`slow`), or keeps up again: `text` says so to the person. */
  onLink(listener: (text: string, slow: boolean) => void): void {
    this.linkListeners.push(listener);
  }

  /** Adopt a clock estimate measured while the player was starting. */
  useClock(est: ClockEstimate): void {
    this.clockEst = est;
  }

  /** A room event from the link: applied in sequence, whatever the player is doing. */
  onEvent(event: { seq: number; text: string }, room: RoomState, sentAtMs?: number): void {
    this.heard(sentAtMs);
    this.feed({ type: 'event', seq: event.seq, text: event.text, room });
  }

  /** A room message central stamped at `sentAtMs` (its clock) arrived now: how late its news reaches us. */
  heard(sentAtMs: number | undefined): void {
    if (sentAtMs === undefined || bestOffset(this.clockEst) === undefined) return;
    this.delivery = heard(this.delivery, sentAtMs, this.centralNow());
  }

  /** The player is there: follow its events, wait until it has the stream, then start the loops. */
  async attachPlayer(player: Player): Promise<void> {
    this.player = player;
    this.loadedVideo = this.state.room.videoId;
    player.onEvent((e) => this.feed(toInput(e)));
    await player.whenLoaded(10_000);
    if (this.stopped) return;
    this.feed({ type: 'loaded' });
    this.every(SYNC.tickMs, () => {
      if (wantsSample(this.state, this.centralNow())) this.sampleNow(this.state.plan);
    });
    this.every(10_000, () => void this.measure(2));
    // Every member says how its player is doing, every second (the admin's report is its heartbeat too).
    this.every(1000, () => this.report());
    this.report();
  }

  /** This member's own tracks, which win over the room's. */
  setOwnTracks(tracks: { audio?: number; subtitles?: number }): void {
    this.feed({ type: 'ownTracks', tracks });
  }

  /** Which rendition plays now (said in every report). */
  setRendition(id: string): void {
    this.rendition = id;
  }

  /**
   * Open another stream (a rendition switch) where the room will be once it is open; the follower plans
   * from it like a join, so the member is back on the room's frame with a scheduled start.
   */
  async reload(url: string, needBytesPerSec: number | undefined, videoId = this.loadedVideo): Promise<void> {
    const player = this.player;
    if (!player || this.stopped) return;
    this.feed({ type: 'reload' });
    this.needBps = needBytesPerSec;
    this.link = newLinkMeter();
    await player.load(url, positionAt(this.state.room, this.centralNow() + 300) / 1000);
    await player.whenLoaded(10_000);
    this.loadedVideo = videoId;
    this.feed({ type: 'loaded' });
  }

  /** What the quality rule reads each second: the buffer as last sampled and the link's measured rate (bits/s). */
  qualityInput(): QualityInput {
    const rate = linkVerdict(this.link).rateBps;
    return { stalled: this.state.buffer.stalled, bufferedMs: this.state.buffer.bufferedMs, eof: this.state.buffer.eof, rateBps: rate !== undefined ? rate * 8 : undefined };
  }

  /** After a reconnect: a new link and the room as it is now. */
  async rebind(peer: Peer, room: RoomState): Promise<void> {
    this.peer = peer;
    await this.measure(4);
    this.feed({ type: 'snapshot', room, why: 'reconnected' });
  }

  private async measure(rounds: number): Promise<void> {
    this.clockEst = await measureClock(this.peer, rounds, this.clockEst).catch(() => this.clockEst);
  }

  private every(ms: number, fn: () => void): void {
    this.timers.push(setInterval(fn, ms));
  }

  private feed(input: FollowerInput<RoomState>): void {
    if (this.stopped) return;
    const { state, commands } = follow(this.state, input, this.centralNow());
    this.state = state;
    for (const c of commands) this.run(c);
  }

  private sampleNow(plan: number): void {
    const player = this.player;
    if (!player || this.sampling) return;
    this.sampling = true;
    void player
      .sample()
      .then((s) => {
        this.sampling = false;
        if (s) this.feed({ type: 'sample', plan, positionMs: s.positionMs, paused: s.paused, atMs: s.atMs + (bestOffset(this.clockEst)?.offsetMs ?? 0), buffer: s.buffer });
      })
      .catch((err: Error) => {
        this.sampling = false;
        this.log.warn(`sampling the player failed: ${err.stack ?? err.message}`);
      });
  }

  private run(c: FollowerCommand): void {
    const player = this.player;
    switch (c.kind) {
      case 'pause':
        void player?.setPause(c.value);
        break;
      case 'seek':
        void player?.seek(c.toMs);
        break;
      case 'speed':
        void player?.setSpeed(c.rate);
        break;
      case 'osd':
        void player?.osd(c.text);
        break;
      case 'tracks':
        void player?.setTracks(c.audio, c.subtitles);
        break;
      case 'sample':
        this.sampleNow(c.plan);
        break;
      case 'wake':
        clearTimeout(this.wakeTimer);
        this.wakeTimer = c.atMs === undefined ? undefined : setTimeout(() => this.feed({ type: 'wake' }), Math.max(0, c.atMs - this.centralNow()));
        break;
      case 'control':
        void this.peer
          .request('room.control', { roomId: this.state.room.id, action: c.action, ...(c.positionMs !== undefined ? { positionMs: c.positionMs } : {}), ...(c.rate !== undefined ? { rate: c.rate } : {}) })
          .catch((err: Error) => void player?.osd(err.message));
        break;
      case 'fetchSnapshot':
        void this.peer
          .request('room.get', { roomId: this.state.room.id })
          .then(({ room }) => this.feed({ type: 'snapshot', room, why: 'snapshot' }))
          .catch((err: Error) => {
            this.log.warn(`room ${this.state.room.id}: no snapshot: ${err.message}`);
            this.feed({ type: 'snapshotFailed' });
          });
        break;
      case 'rejoin':
        void this.peer
          .request('room.join', { roomId: this.state.room.id })
          .then(({ room }) => this.feed({ type: 'snapshot', room, why: 'rejoined' }))
          .catch((err: Error) => {
            this.log.warn(`joining room ${this.state.room.id} again failed: ${err.message}`);
            this.feed({ type: 'rejoinDone' });
          });
        break;
      case 'closed':
        for (const l of this.closedListeners) l(c.text);
        break;
      case 'report':
        this.report();
        break;
      case 'log':
        this.log[c.level](c.text);
        break;
    }
  }

  private report(): void {
    if (this.stopped || !this.player) return;
    const rttMs = bestOffset(this.clockEst)?.rttMs;
    const lateMs = deliveryMs(this.delivery, this.centralNow());
    const link = this.meterLink();
    const report = {
      ...reportFor(this.state),
      ...(link.rateBps !== undefined ? { rateBps: link.rateBps } : {}),
      ...(this.needBps !== undefined ? { needBps: this.needBps, slowLink: link.slow } : {}),
      seekCostMs: Math.round(this.state.seekCostMs),
      ...(rttMs !== undefined ? { rttMs: Math.round(rttMs * 10) / 10 } : {}),
      ...(lateMs !== undefined ? { deliveryMs: Math.round(lateMs) } : {}),
      ...(this.rendition ? { rendition: this.rendition } : {}),
      ...(this.loadedVideo !== undefined ? { videoId: this.loadedVideo } : {}),
    };
    void this.peer.emit('room.presence', { roomId: this.state.room.id, report }).catch(() => {});
  }

  /** Meter the link with the latest buffer; tell the person when the verdict changes. */
  private meterLink() {
    const wasSlow = this.link.slow;
    const need = this.needBps === undefined ? undefined : this.needBps * (this.state.room.speed ?? 1);
    this.link = meterLink(this.link, localNow(), this.state.buffer, need);
    const verdict = linkVerdict(this.link);
    if (verdict.slow !== wasSlow && need !== undefined) {
      const text = verdict.slow ? slowLinkText(verdict.rateBps ?? 0, need) : 'your link keeps up with the video again';
      this.log.info(text);
      void this.player?.osd(text);
      for (const l of this.linkListeners) l(text, verdict.slow);
    }
    return verdict;
  }

  /** Stop the loops (the player is its owner's to stop). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.wakeTimer);
    for (const t of this.timers) clearInterval(t);
  }
}
