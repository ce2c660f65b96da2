/**
 * Watching a room, the one implementation behind `watchparty watch` and the TUI's room view: join,
 * open the stream relay and mpv, follow the room, move to a new session after a failover, leave.
 * Room events are followed from before the join is answered, so none is lost while mpv starts (which
 * can wait up to two minutes for a replica to arrive on the sub).
 */
import type { Logger } from '../../core/log.js';
import { WatchpartyError } from '../../core/errors.js';
import type { EventBody, MemberHealth } from '../../net/messages.js';
import { waitingText } from '../../player/buffer-health.js';
import { positionAt } from '../../core/playback.js';
import { startMpv, type MpvHandle } from '../../player/mpv-process.js';
import { MpvPlayer } from '../../player/mpv-player.js';
import type { StreamRelay } from '../../player/stream-relay.js';
import type { FollowerStatus } from '../../player/follower.js';
import type { Peer } from '../../net/peer.js';
import type { Session } from './connect.js';
import { openRelay, upstreamOf, waitUntilStreamable } from './play.js';
import { FollowRunner } from './follow-runner.js';
import { measureClock } from './clock-sync.js';
import { emptyEstimate, type ClockEstimate } from '../../player/clock-offset.js';
import { videoNeedBps } from '../../player/link-meter.js';
import { measureRate, QualityDriver, streamOptions } from './quality-driver.js';
import { checkOwnCopy, rememberedCopy, type CopyBook } from './own-copy.js';
import type { RoomState } from '../../net/messages.js';
import { osdLine } from '../shared/message-text.js';
import { RoomChat } from './room-chat.js';

/** No remembered copies (a `--file` is still checked, just not remembered). */
const NO_COPIES: CopyBook = { get: () => undefined, set: () => {} };

export interface RoomWatchOptions {
  token: string;
  log: Logger;
  /** mpv without a window or sound. */
  headless: boolean;
  ipcPath?: string;
  mpvArgs?: string[];
  /** Progress and news for the person ("still arriving: 40 %"). */
  onInfo: (message: string) => void;
  /** How long to wait for a replica that is still arriving on the sub. */
  replicaWaitMs?: number;
  /** `auto` (the default: what the link carries), `source`, or a rendition such as `480p`. */
  quality?: string;
  /** This member's own audio track (from 1) and subtitle track (0: off), over the room's. */
  tracks?: { audio?: number; subtitles?: number };
  /** The profile's known copies (an upload from here, a checked --file). */
  copies?: CopyBook;
  /** Play a known copy of this video from the disk when there is one (`watch --own-copy`, the TUI's f). */
  useKnownCopy?: boolean;
  /** `watch --file`: this member's own copy (checked against the catalogue's sha256 first). */
  ownFile?: string;
}

type RoomEventBody = EventBody<'room.event'>;

export class RoomWatch {
  private runner: FollowRunner | undefined;
  private readonly early: RoomEventBody[] = [];
  private relay: StreamRelay | undefined;
  private player: MpvPlayer | undefined;
  private peer: Peer | undefined;
  private stopped = false;
  private quality: QualityDriver | undefined;
  /** The copy on this disk mpv plays, when it plays one; and one it could play. */
  private own: string | undefined;
  private knownCopy: string | undefined;
  private qualityTimer: NodeJS.Timeout | undefined;
  private readonly closedListeners: ((text: string) => void)[] = [];
  private healthNow: MemberHealth[] = [];
  private readonly onHealth = (body: EventBody<'room.health'>) => {
    if (this.stopped || body.roomId !== this.roomId) return;
    this.runner?.heard(body.sentAtMs);
    this.healthNow = body.members;
    const room = this.runner?.room;
    // While the room waits, everyone sees for whom, and how far their buffer is.
    if (room && room.waitingFor.length > 0) void this.player?.osd(waitingText(room.waitingFor, body.members));
  };
  private readonly onRoomEvent = (body: RoomEventBody) => {
    if (this.stopped || body.room.id !== this.roomId) return;
    if (this.runner) this.runner.onEvent(body.event, body.room, body.sentAtMs);
    else this.early.push(body);
    if (this.player && body.room.videoId !== this.videoId) this.followVideo(body.room);
  };
  /** The video mpv has (or is loading): the room moves to the next of its queue before we do. */
  private videoId: number | undefined;
  private switching: Promise<void> = Promise.resolve();

  /** The room's chat: history on joining, every new line on mpv's OSD ("bob: this part!"). */
  readonly chat: RoomChat;

  constructor(
    readonly roomId: string,
    private readonly opts: RoomWatchOptions,
  ) {
    this.chat = new RoomChat(roomId);
    this.chat.onLine((line, fromHistory) => {
      if (!fromHistory && !this.stopped) void this.player?.osd(osdLine(line.user, line.text));
    });
  }

  /** Join on `session` and start mpv there; resolves once mpv follows the room. */
  async start(session: Session): Promise<void> {
    const { log } = this.opts;
    this.listen(session.peer);
    // Measure the clock alongside joining and starting mpv: on a slow link each exchange is a round trip.
    const clock = measureClock(session.peer, 4);
    clock.catch(() => {});
    const { room } = await session.peer.request('room.join', { roomId: this.roomId });
    if (room.closed) throw new WatchpartyError('ROOM_CLOSED', `room ${room.id} was closed by ${room.admin}`);
    this.videoId = room.videoId;
    void this.chat.attach(session.peer).catch((err: Error) => log.warn(`chat history of ${this.roomId}: ${err.message}`));
    const runner = new FollowRunner(session.peer, session.user, room, log);
    this.runner = runner;
    runner.onClosed((text) => {
      for (const l of this.closedListeners) l(text);
    });
    runner.onLink((text) => this.opts.onInfo(text));
    for (const e of this.early.splice(0)) runner.onEvent(e.event, e.room);
    try {
      const relay = await openRelay(session, this.opts.token, log);
      this.relay = relay;
      // The source, or a lighter rendition the sub holds (--quality); auto starts on the source.
      const { videos } = await session.peer.request('videos.list', {});
      const video = videos.find((v) => v.id === room.videoId);
      // A copy on this disk (given, or known to this profile) costs no bandwidth: no renditions then.
      const known = video && this.opts.copies ? rememberedCopy(this.opts.copies, video) : undefined;
      const own = video && this.opts.ownFile ? await checkOwnCopy(this.opts.copies ?? NO_COPIES, this.opts.ownFile, video, this.opts.onInfo) : this.opts.useKnownCopy ? known : undefined;
      this.knownCopy = known;
      if (own) {
        this.opts.onInfo(`playing your own copy: ${own}`);
        await this.startOwn(runner, own, room, clock);
        return;
      }
      const options = video ? streamOptions(video) : [];
      const wanted = this.opts.quality ?? 'auto';
      // With lighter renditions to choose from, auto first measures the link on the source's first bytes.
      const rate = wanted === 'auto' && options.length > 1 ? await measureRate(relay.url(room.videoId)) : undefined;
      const quality = options.length > 0 ? new QualityDriver(runner, options, wanted, (o) => relay.url(o.fileId, o.kind), log, (t) => this.opts.onInfo(t), rate) : undefined;
      if (quality && this.opts.quality && this.opts.quality !== 'auto' && quality.current !== this.opts.quality) this.opts.onInfo(`no ${this.opts.quality} rendition here (yet): playing the source`);
      const first = quality?.initial;
      const { mpv, sizeBytes } = await this.startPlayer(first ? relay.url(first.fileId, first.kind) : relay.url(room.videoId), `${room.videoName} · room ${room.id}`);
      runner.setNeed(videoNeedBps(sizeBytes, room.durationMs));
      runner.setRendition(quality?.current ?? 'source');
      this.player = await MpvPlayer.attach(mpv);
      runner.useClock(await clock.catch(() => emptyEstimate()));
      await runner.attachPlayer(this.player);
      if (this.opts.tracks && (this.opts.tracks.audio !== undefined || this.opts.tracks.subtitles !== undefined)) runner.setOwnTracks(this.opts.tracks);
      this.quality = quality;
      this.qualityTimer = setInterval(() => this.quality?.tick(), 1000);
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Follow the room with mpv on a file of this disk (the catalogue's bytes, checked). */
  private async startOwn(runner: FollowRunner, file: string, room: RoomState, clock: Promise<ClockEstimate>): Promise<void> {
    this.own = file;
    const mpv = await startMpv({
      url: file,
      headless: this.opts.headless,
      paused: true,
      title: `${room.videoName} · room ${room.id}`,
      startSeconds: positionAt(runner.room, runner.centralNow()) / 1000,
      extraArgs: ['--keep-open=yes', '--hr-seek=yes', ...(this.opts.mpvArgs ?? [])],
      ...(this.opts.ipcPath ? { ipcPath: this.opts.ipcPath } : {}),
    });
    runner.setRendition('own');
    this.player = await MpvPlayer.attach(mpv);
    runner.useClock(await clock.catch(() => emptyEstimate()));
    await runner.attachPlayer(this.player);
    if (this.opts.tracks && (this.opts.tracks.audio !== undefined || this.opts.tracks.subtitles !== undefined)) runner.setOwnTracks(this.opts.tracks);
  }

  /** The room moved on to another video (its queue): load it in the same mpv, one switch at a time. */
  private followVideo(room: RoomState): void {
    this.videoId = room.videoId;
    this.quality?.retire();
    this.switching = this.switching.then(() => this.loadVideo(room)).catch((err: Error) => {
      this.opts.log.warn(`could not load ${room.videoName}: ${err.message}`);
      this.opts.onInfo(`could not load ${room.videoName}: ${err.message}`);
    });
  }

  private async loadVideo(room: RoomState): Promise<void> {
    const { runner, relay, peer } = this;
    if (this.stopped || !runner || !relay || !peer || this.videoId !== room.videoId) return;
    const { videos } = await peer.request('videos.list', {});
    const video = videos.find((v) => v.id === room.videoId);
    const options = video ? streamOptions(video) : [];
    const quality = options.length > 0 ? new QualityDriver(runner, options, this.opts.quality ?? 'auto', (o) => relay.url(o.fileId, o.kind), this.opts.log, (t) => this.opts.onInfo(t)) : undefined;
    const first = quality?.initial;
    const url = first ? relay.url(first.fileId, first.kind) : relay.url(room.videoId);
    const size = await waitUntilStreamable(url, this.opts.onInfo, this.opts.replicaWaitMs ?? 120_000);
    if (this.stopped || this.videoId !== room.videoId) return;
    this.own = undefined;
    this.quality = quality;
    runner.setRendition(quality?.current ?? 'source');
    this.opts.onInfo(`now playing ${room.videoName}`);
    await runner.reload(url, first?.needBytesPerSec ?? videoNeedBps(size, room.durationMs), room.videoId);
  }

  /**
   * Open mpv while checking that the sub has the replica: on a slow link that saves a round trip. If the
   * replica is still arriving mpv fails to open; it is started again once it is there. mpv starts where
   * the room is *now* (the follower has applied every event since the join).
   */
  private async startPlayer(url: string, title: string): Promise<{ mpv: MpvHandle; sizeBytes: number | undefined }> {
    const options = () => ({
      url,
      headless: this.opts.headless,
      paused: true,
      title,
      startSeconds: positionAt(this.runner!.room, this.runner!.centralNow()) / 1000,
      extraArgs: ['--keep-open=yes', '--hr-seek=yes', ...(this.opts.mpvArgs ?? [])],
      ...(this.opts.ipcPath ? { ipcPath: this.opts.ipcPath } : {}),
    });
    const streamable = waitUntilStreamable(url, this.opts.onInfo, this.opts.replicaWaitMs ?? 120_000);
    streamable.catch(() => {});
    let mpv: MpvHandle;
    try {
      mpv = await startMpv(options());
    } catch (err) {
      // Waiting for the replica cannot help a player that is not there.
      if (err instanceof WatchpartyError && err.code === 'PLAYER_NOT_FOUND') throw err;
      await streamable;
      mpv = await startMpv(options());
    }
    const sizeBytes = await streamable.catch(async (err) => {
      await mpv.stop();
      throw err;
    });
    return { mpv, sizeBytes };
  }

  private listen(peer: Peer): void {
    this.peer?.off('room.event', this.onRoomEvent);
    this.peer?.off('room.health', this.onHealth);
    this.peer = peer;
    peer.on('room.event', this.onRoomEvent);
    peer.on('room.health', this.onHealth);
  }

  /** Every watching member's latest report. */
  get health(): MemberHealth[] {
    return this.healthNow;
  }

  /** After a failover: the relay fetches from the new sub under mpv's same URL; rejoin where the room is now. */
  async attach(session: Session): Promise<void> {
    if (this.stopped || !this.runner) return;
    this.listen(session.peer);
    this.relay?.setUpstream(upstreamOf(session, this.opts.token));
    const { room } = await session.peer.request('room.join', { roomId: this.roomId });
    void this.chat.attach(session.peer).catch((err: Error) => this.opts.log.warn(`chat after reconnecting: ${err.message}`));
    await this.runner.rebind(session.peer, room);
    // The room moved on to its next video while we were away (no event will say so now): load it.
    if (room.videoId !== this.videoId && !room.closed) this.followVideo(room);
  }

  get room() {
    return this.runner?.room;
  }

  /** A copy of this video on this disk that could be played instead of the stream (the TUI offers it). */
  get offersOwnCopy(): string | undefined {
    return this.own ? undefined : this.knownCopy;
  }

  /** What plays: `source`, a rendition such as `480p`, or `own` (a copy on this disk). */
  get rendition(): string | undefined {
    return this.own ? 'own' : this.quality?.current;
  }

  get isAdmin(): boolean {
    return this.runner?.isAdmin ?? false;
  }

  status(): FollowerStatus | undefined {
    return this.runner?.status();
  }

  /** Where the room is now, on central's clock. */
  expectedMs(): number {
    return this.runner ? positionAt(this.runner.room, this.runner.centralNow()) : 0;
  }

  /** The room closed, or its admin removed us: `text` says which. */
  onClosed(listener: (text: string) => void): void {
    this.closedListeners.push(listener);
  }

  /** Resolves when mpv ends (the person closed it, or it crashed). */
  get exited(): Promise<unknown> {
    return this.player?.exited ?? new Promise(() => {});
  }

  /** Stop following and close mpv and the relay; with `leave`, tell the room (bounded to 1 s). */
  async stop(leave = true): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    // Stop the follower first: a follower that heard its own leave would join again.
    clearInterval(this.qualityTimer);
    this.runner?.stop();
    this.peer?.off('room.event', this.onRoomEvent);
    this.peer?.off('room.health', this.onHealth);
    this.chat.detach();
    await this.player?.stop().catch(() => {});
    await this.relay?.close();
    if (leave && this.peer && !this.peer.closed) await this.peer.request('room.leave', { roomId: this.roomId }, { timeoutMs: 1000 }).catch(() => {});
  }
}
