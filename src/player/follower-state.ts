/**
 * The follower's state and what can be read from it (see follower.ts for the transitions): the room as
 * last heard, the phase, expected echoes, learned seek cost and start bias, the latest sample and buffer.
 */
import { pausedNeedsSeek } from './sync-policy.js';
import { EMPTY_BUFFER, reportOf, type BufferState, type Report } from './buffer-health.js';

/** What the follower needs of a room (central's RoomState has all of it). */
export interface FollowedRoom {
  id: string;
  admin: string;
  members: string[];
  watching: string[];
  paused: boolean;
  positionMs: number;
  atMs: number;
  durationMs: number;
  speed?: number;
  seq: number;
  closed: boolean;
  /** Members the room waits for, and members it went on without (absent: none). */
  waitingFor?: string[];
  released?: string[];
  /** The tracks the admin chose for everyone (absent: the file's default; subtitles 0: off). */
  audioTrack?: number | undefined;
  subtitleTrack?: number | undefined;
}

export type Phase =
  | { name: 'loading' }
  | { name: 'holding' }
  | { name: 'seeking'; toMs: number; sentMs: number; then: { startAtMs: number } | 'hold' }
  | { name: 'armed'; startAtMs: number }
  | { name: 'steady'; settleUntilMs: number }
  | { name: 'behind'; sinceMs: number }
  | { name: 'closed' };

/** A player change we ordered and expect to see reported back. */
export type Echo = { what: 'pause'; value: boolean; untilMs: number } | { what: 'speed'; rate: number; untilMs: number } | { what: 'seek'; toMs: number; untilMs: number };

export interface FollowerState<R extends FollowedRoom = FollowedRoom> {
  user: string;
  room: R;
  phase: Phase;
  /** Bumped by every plan: a sample taken for an older plan is stale. */
  plan: number;
  /** The rate we last set. */
  speed: number;
  /** The player's pause as last reported (undefined before the first report). */
  playerPaused: boolean | undefined;
  /** What an exact seek costs here (ms, smoothed): sets how far ahead starts are scheduled. */
  seekCostMs: number;
  /** Error just after a scheduled start (ms, smoothed): seeking that much earlier cancels it. */
  startBiasMs: number;
  measureBias: boolean;
  echoes: Echo[];
  /** The player's own start-up (loading, the --start seek) is not a person at the keys. */
  quietUntilMs: number;
  rejoining: boolean;
  fetchingSnapshot: boolean;
  /** Since when the player has been seeking (undefined: it is not); its samples mean nothing meanwhile. */
  playerSeekingSinceMs: number | undefined;
  /** The latest sample against the room, for status lines. */
  last: { positionMs: number; expectedMs: number; errorMs: number; atMs: number };
  /** The player's buffer as last sampled. */
  buffer: BufferState;
  /** Where the last hold seek was sent and where the player landed (a whole frame near it). */
  landed: { targetMs: number; positionMs: number | undefined } | undefined;
  /** Released: failed attempts to get back on the room's frame, and the next one not before this. */
  catchUp: { failures: number; notBeforeMs: number };
  /** This member's own track choice, which wins over the room's (a dubbed track, subtitles on). */
  ownTracks: Tracks;
}

/** An audio track (from 1) and a subtitle track (0: off); undefined: no choice. */
export interface Tracks {
  audio?: number | undefined;
  subtitles?: number | undefined;
}

export type FollowerInput<R extends FollowedRoom = FollowedRoom> =
  /** A sequenced room event with the room after it. */
  | { type: 'event'; seq: number; text: string; room: R }
  /** A whole room state: a join's answer, a snapshot, a reconnect. */
  | { type: 'snapshot'; room: R; why: 'joined' | 'snapshot' | 'reconnected' | 'rejoined' }
  | { type: 'snapshotFailed' }
  | { type: 'rejoinDone' }
  /** The player has opened the stream. */
  | { type: 'loaded' }
  /** The player is opening another stream (a rendition switch): nothing to order until it is `loaded`. */
  | { type: 'reload' }
  /** Where the player is; `plan` is the plan it was requested under. */
  | { type: 'sample'; plan: number; positionMs: number; paused: boolean; atMs: number; buffer?: BufferState }
  /** mpv's pause flipped; `atEnd`: it stopped at the end of the file by itself. */
  | { type: 'paused'; value: boolean; atEnd?: boolean }
  /** The player's rate changed (ours, or a person's: mpv's [ and ] keys). */
  | { type: 'speedChanged'; rate: number }
  /** A seek (ours or a person's) has begun: the position is in flux until `seeked`. */
  | { type: 'seeking' }
  | { type: 'seeked'; positionMs: number }
  /** The wake timer fired. */
  | { type: 'wake' }
  /** A watchparty key in the player's window. */
  | { type: 'key'; name: 'go' }
  /** This member picks its own tracks (undefined fields: follow the room's). */
  | { type: 'ownTracks'; tracks: Tracks };

export type FollowerCommand =
  | { kind: 'pause'; value: boolean }
  | { kind: 'seek'; toMs: number }
  | { kind: 'speed'; rate: number }
  /** Set (or with undefined, clear) the one wake timer. */
  | { kind: 'wake'; atMs: number | undefined }
  /** Sample the player now, under `plan`. */
  | { kind: 'sample'; plan: number }
  | { kind: 'osd'; text: string }
  | { kind: 'control'; action: 'play' | 'pause' | 'seek' | 'speed' | 'go'; positionMs?: number; rate?: number }
  | { kind: 'fetchSnapshot' }
  | { kind: 'rejoin' }
  | { kind: 'closed'; text: string }
  /** Tell the room how the player is doing now (something it must hear before the next second). */
  | { kind: 'report' }
  /** Play these tracks (a field left out: the player keeps what it has). */
  | { kind: 'tracks'; audio?: number; subtitles?: number }
  | { kind: 'log'; level: 'debug' | 'info' | 'warn'; text: string };

export interface Step<R extends FollowedRoom = FollowedRoom> {
  state: FollowerState<R>;
  commands: FollowerCommand[];
}

/** How long an ordered change may take to be reported back, and a seek's timeout. */
export const ECHO_MS = 1000;
export const SEEK_ECHO_MS = 3000;
/** How far from its target a seek may land (a player shows whole frames: at 12 fps, 83 ms). */
export const LANDING_MS = 100;
/** Released, a failed try to get back on the room's frame waits 5 s, then 10, 20… at most a minute. */
export const CATCH_UP_BACKOFF = { baseMs: 5000, maxMs: 60_000 };
export const NO_CATCH_UP = { failures: 0, notBeforeMs: Number.NEGATIVE_INFINITY };

/** How long we stay behind when the room neither waits nor releases us (an older central): then try again. */
export const BEHIND_RETRY_MS = 10_000;
/** A seek landed where we asked if the player reports a position this close (a frame is 40 ms). */
export const SEEK_MATCH_MS = 100;
/** After loading, the player's own changes are ignored this long. */
export const QUIET_AFTER_LOAD_MS = 1500;

export const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** A follower for `user` that has just joined `room` and waits for its player to load. */
export function newFollower<R extends FollowedRoom>(user: string, room: R): FollowerState<R> {
  return {
    user,
    room,
    phase: { name: 'loading' },
    plan: 0,
    speed: 1,
    playerPaused: undefined,
    seekCostMs: 150,
    startBiasMs: 0,
    measureBias: false,
    echoes: [],
    quietUntilMs: Number.POSITIVE_INFINITY,
    rejoining: false,
    fetchingSnapshot: false,
    playerSeekingSinceMs: undefined,
    last: { positionMs: 0, expectedMs: 0, errorMs: 0, atMs: Number.NEGATIVE_INFINITY },
    buffer: EMPTY_BUFFER,
    landed: undefined,
    catchUp: NO_CATCH_UP,
    ownTracks: {},
  };
}

/** The tracks to play: this member's own choice where it made one, else the room's; nothing when neither says. */
export function tracksCommand(s: Pick<FollowerState, 'ownTracks' | 'room'>): FollowerCommand[] {
  const audio = s.ownTracks.audio ?? s.room.audioTrack;
  const subtitles = s.ownTracks.subtitles ?? s.room.subtitleTrack;
  if (audio === undefined && subtitles === undefined) return [];
  return [{ kind: 'tracks', ...(audio !== undefined ? { audio } : {}), ...(subtitles !== undefined ? { subtitles } : {}) }];
}

export function isAdmin(s: FollowerState): boolean {
  return same(s.room.admin, s.user);
}

/** Whether the periodic sync tick should sample the player now. */
export function wantsSample(s: FollowerState, nowMs: number): boolean {
  if (playerSeeking(s, nowMs)) return false;
  return s.phase.name === 'holding' || (s.phase.name === 'steady' && nowMs >= s.phase.settleUntilMs);
}

/** Whether a seek is under way in the player (one whose end is never reported stops counting). */
export function playerSeeking(s: FollowerState, nowMs: number): boolean {
  return s.playerSeekingSinceMs !== undefined && nowMs - s.playerSeekingSinceMs < SEEK_ECHO_MS;
}
/** What this follower reports to the room now. */
export function reportFor(s: FollowerState): Report {
  return reportOf(s.phase.name, s.room.paused, s.buffer, s.phase.name === 'steady' ? s.last.errorMs : undefined);
}

/** Whether the room went on without us: we play on our own buffer until we can rejoin its frame. */
export function isReleased(s: FollowerState): boolean {
  return (s.room.released ?? []).some((r) => same(r, s.user));
}

/**
 * Whether the paused player must seek to show the room's frame: not when it shows where a seek to that
 * frame landed (an exact seek lands on a whole frame; seeking again would land there again, forever).
 */
export function holdNeedsSeek(s: FollowerState, positionMs: number): boolean {
  if (!pausedNeedsSeek(positionMs, s.room.positionMs)) return false;
  const l = s.landed;
  return !(l && l.positionMs !== undefined && l.targetMs === s.room.positionMs && !pausedNeedsSeek(positionMs, l.positionMs));
}


export const roomRate = (room: FollowedRoom) => room.speed ?? 1;

/** The numbers a status line shows. */
export interface FollowerStatus {
  room: string;
  seq: number;
  position: number;
  expected: number;
  error_ms: number;
  paused: boolean;
  speed: number;
}

export function statusOf(s: FollowerState): FollowerStatus {
  return {
    room: s.room.id,
    seq: s.room.seq,
    position: Math.round(s.last.positionMs) / 1000,
    expected: Math.round(s.last.expectedMs) / 1000,
    error_ms: Math.round(s.last.errorMs * 10) / 10,
    paused: s.room.paused,
    speed: s.speed,
  };
}
