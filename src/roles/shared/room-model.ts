/**
 * What a room is: its state, the inputs `step` (room.ts) accepts, the events it emits, its rules, and
 * the small reads every transition shares. Pure data and functions; no clock of its own.
 */
import { clock } from '../../core/playback.js';

export interface Room {
  id: string;
  videoId: number;
  videoName: string;
  durationMs: number;
  admin: string;
  members: string[];
  /** Members whose player is open on this room right now. */
  watching: string[];
  paused: boolean;
  positionMs: number;
  atMs: number;
  /** Playback rate, 0.25–4 (rooms saved before speed existed are loaded with 1). */
  speed: number;
  seq: number;
  adminPresent: boolean;
  adminSeenMs: number;
  /** Whether the admin left it playing: restored when a silent admin comes back. */
  resumeWhenAdminBack: boolean;
  closed: boolean;
  createdMs: number;
  /** When a member last opened or left it (rooms saved before this field have none). */
  watchedMs?: number;
  /** Members the room waits for while they buffer (paused; it plays again once they are ready). */
  waitingFor: string[];
  /** Members the admin let go on without: catching up on their own, they do not hold the room. */
  released: string[];
  /** Go on by itself without a member who keeps stalling (rooms saved before this field load with off). */
  autoRelease: boolean;
  /** The audio and subtitle tracks every member plays (mpv's numbering from 1; subtitles 0: off; absent: the file's default). */
  audioTrack?: number;
  subtitleTrack?: number;
  /** Members the admin muted: they watch, but may not write in the room's chat (rooms saved before load with none). */
  muted: string[];
  /** What plays next, in order: when the video ends the room moves to the first (rooms saved before load with none). */
  queue: QueueEntry[];
  /** What members proposed; the admin accepts (to the end of the queue) or rejects. */
  suggestions: QueueEntry[];
}

/** A video in a room's queue or suggestions, and who put it there. */
export interface QueueEntry {
  videoId: number;
  videoName: string;
  durationMs: number;
  by: string;
}

/** The admin's edits of the queue (indexes from 0; the CLI and TUI count from 1). */
export type QueueChange =
  | { op: 'add'; entry: QueueEntry; at?: number | undefined }
  | { op: 'remove'; index: number }
  | { op: 'move'; from: number; to: number }
  | { op: 'accept'; index: number }
  | { op: 'reject'; index: number }
  /** Play the first in the queue now. */
  | { op: 'next' };

export type RoomChange = 'queue' | 'video' | 'created' | 'play' | 'pause' | 'seek' | 'speed' | 'waiting' | 'ready' | 'released' | 'caught.up' | 'admin.lost' | 'admin.back' | 'member.joined' | 'member.left' | 'member.invited' | 'member.removed' | 'admin.changed' | 'setting' | 'closed';

export type RoomInput =
  | { type: 'play' }
  | { type: 'pause' }
  | { type: 'seek'; positionMs: number }
  /** Playback rate; clamped to SPEED_RANGE. */
  | { type: 'speed'; rate: number }
  /** Admin: go on by itself without a member who keeps stalling (roles/shared/auto-release.ts). */
  | { type: 'autoRelease'; on: boolean }
  /** Admin: the audio track and/or subtitle track (0: off) everyone plays. */
  | { type: 'tracks'; audio?: number | undefined; subtitles?: number | undefined }
  | { type: 'close' }
  /** Admin only; `users` are canonical names the caller has checked exist. */
  | { type: 'invite'; users: string[] }
  | { type: 'remove'; user: string }
  | { type: 'handover'; to: string }
  /** Admin only: mute (or unmute) members in the room's chat. */
  | { type: 'mute'; users: string[]; on: boolean }
  /** Admin only: edit the queue. */
  | { type: 'queue'; change: QueueChange }
  /** Any member: propose a video (the admin's own proposal goes straight to the queue). */
  | { type: 'suggest'; entry: QueueEntry }
  /** Central: a video was deleted; it leaves the queue and the suggestions. */
  | { type: 'unqueue'; videoId: number }
  | { type: 'heartbeat' }
  | { type: 'join' }
  | { type: 'leave' }
  | { type: 'tick' }
  /** Central, for anyone allowed to delete the room's video (`by` need not be a member): close it. */
  | { type: 'videoDeleted' }
  /** Admin: go on without these members (all the room waits for, when none are named). */
  | { type: 'go'; users?: string[] }
  /** Central, from the members' reports (roles/shared/readiness.ts): */
  /** these members ran dry (or are still filling): the room waits for them. */
  | { type: 'wait'; users: string[]; why: string }
  /** everyone the room waited for is ready: play on together. */
  | { type: 'ready' }
  /** waited too long for these members: go on without them. */
  | { type: 'release'; users: string[]; why: string }
  /** a released member plays on the room's frame again. */
  | { type: 'caughtUp'; user: string };

export interface RoomEvent {
  roomId: string;
  seq: number;
  change: RoomChange;
  by: string;
  /** Human text for OSDs and logs: "alice paused at 12:03". */
  text: string;
}

export const ROOM_RULES = {
  /** No admin heartbeat for this long and the room pauses for everyone. */
  adminSilenceMs: 3000,
  /**
   * A play or seek starts this far in the future, so every member has time to seek and buffer before
   * the common start instant (measured: an exact seek on a local replica takes 20-120 ms).
   */
  startLeadMs: 400,
  /** A room nobody has open, and nobody has opened or controlled for this long, closes by itself. */
  idleCloseMs: 7 * 86_400_000,
  /** Bounds of a room's queue and of its suggestions (and of one member's): the whole room fits in one event header. */
  maxQueue: 50,
  maxSuggestions: 20,
  maxSuggestionsEach: 5,
  /** Members of one room (the room's state and each event name them all). */
  maxMembers: 200,
};

export type RoomRules = typeof ROOM_RULES;

/** What one transition sees: the room before the input, who sent it, when, and where playback is now. */
export interface Turn {
  room: Room;
  by: string;
  nowMs: number;
  /** The room's position at `nowMs`, in whole ms. */
  here: number;
  rules: RoomRules;
}

/** What one transition decides: the room after it, and the one event that says so (none: nothing to tell). */
export interface Outcome {
  room: Room;
  event?: { change: RoomChange; text: string };
}

export function lastUsedMs(room: Pick<Room, 'createdMs' | 'adminSeenMs' | 'watchedMs'>): number {
  return Math.max(room.createdMs, room.adminSeenMs, room.watchedMs ?? 0);
}

export function newRoom(p: { id: string; videoId: number; videoName: string; durationMs: number; admin: string; invite: string[]; nowMs: number }): { room: Room; event: RoomEvent } {
  const members = [p.admin, ...p.invite.filter((u) => u.toLowerCase() !== p.admin.toLowerCase())];
  const room: Room = {
    id: p.id,
    videoId: p.videoId,
    videoName: p.videoName,
    durationMs: p.durationMs,
    admin: p.admin,
    members,
    watching: [],
    paused: true,
    positionMs: 0,
    atMs: p.nowMs,
    speed: 1,
    seq: 1,
    waitingFor: [],
    released: [],
    autoRelease: false,
    muted: [],
    queue: [],
    suggestions: [],
    adminPresent: false,
    adminSeenMs: p.nowMs,
    resumeWhenAdminBack: false,
    closed: false,
    createdMs: p.nowMs,
  };
  return { room, event: { roomId: p.id, seq: 1, change: 'created', by: p.admin, text: `${p.admin} created a room for ${p.videoName}` } };
}

export function same(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

export function isMember(room: Room, user: string): boolean {
  return room.members.some((m) => same(m, user));
}

/** The room without `user` watching, waited for or released (they left, or were removed). */
/** "bob, cid and 3 more": names in an event's text, which must stay short whatever was asked. */
export function nameList(names: readonly string[], shown = 5): string {
  if (names.length <= shown) return names.join(', ');
  return `${names.slice(0, shown).join(', ')} and ${names.length - shown} more`;
}

export function without(room: Room, user: string): Pick<Room, 'watching' | 'waitingFor' | 'released'> {
  return { watching: room.watching.filter((w) => !same(w, user)), waitingFor: room.waitingFor.filter((w) => !same(w, user)), released: room.released.filter((w) => !same(w, user)) };
}

/** The last member the room waited for has gone: it plays on (when its admin is there). */
export function resumeIfNobodyLeft(t: Turn, next: Room): { room: Room; tail: string } {
  const { room } = t;
  if (room.waitingFor.length === 0 || next.waitingFor.length > 0 || !room.paused || !room.adminPresent) return { room: next, tail: '' };
  return { room: { ...next, paused: false, positionMs: t.here, atMs: t.nowMs + t.rules.startLeadMs }, tail: `: playing from ${clock(t.here)}` };
}
