/**
 * What the client TUI sees: one ClientSession = a state snapshot plus action functions (gemini-cli's
 * UIState/UIActions split). Views render the snapshot and call actions; they never touch sockets,
 * mpv or the file system. The real implementation is roles/client/session.ts; tests use fakes.
 */
import type { MemberHealth, Notification, RoomState, VideoInfo } from '../net/messages.js';
import type { ChatLine, DirectMessage } from '../net/chat-messages.js';

/** The link to the cluster, for the status line. */
export type LinkState =
  | { kind: 'offline' }
  | { kind: 'connecting'; message: string }
  /** `centralLost`: the sub is there but has lost central, so nothing but playback works. */
  | { kind: 'online'; subId: string; subAddress: string; centralLost?: boolean }
  /** During a failover: "sub lost, moving to sub-2…", attempt n of 5. */
  | { kind: 'reconnecting'; message: string; attempt: number; maxAttempts: number };

export interface UploadState {
  file: string;
  name: string;
  phase: 'hashing' | 'uploading' | 'verifying' | 'done' | 'failed' | 'cancelled';
  sent: number;
  size: number;
  /** Bytes per second over this run; 0 until known. */
  rateBps: number;
  /** Undefined until there is a rate. */
  etaMs: number | undefined;
  /** Non-zero when this run resumed an interrupted upload. */
  resumedFrom: number;
  error?: string;
  video?: VideoInfo;
}

/** The room being watched, with this client's own sync figures. */
export interface WatchState {
  room: RoomState;
  isAdmin: boolean;
  /** Where the room is now (ms), computed on central's clock. */
  expectedMs: number;
  /** This player's last measured error (ms, + ahead / − behind); undefined before the first sample. */
  errorMs: number | undefined;
  speed: number;
  /** Every watching member's latest report (from central, about once a second). */
  health: MemberHealth[];
  /** The room's chat, oldest first (the last 100 lines). */
  chat: readonly ChatLine[];
}

export interface Toast {
  text: string;
  tone: 'info' | 'warn' | 'error';
  atMs: number;
}

export interface ClientSnapshot {
  screen: 'login' | 'main';
  /** Central's address as typed or remembered, e.g. "localhost:8000". */
  central: string;
  user: string | undefined;
  link: LinkState;
  /** The login view's error, shown in place ("wrong password for \"ann\""). */
  loginError: string | undefined;
  /** Why the app went back to the login view (e.g. after 5 failed reconnects). */
  loggedOutReason: string | undefined;
  /** A request in flight, for a spinner ("logging in…"). */
  busy: string | undefined;
  videos: VideoInfo[];
  /** Newest last. */
  notifications: Notification[];
  unread: number;
  /** Direct messages to and from this user, oldest first (the last 500). */
  messages: DirectMessage[];
  /** Messages to this user no device of theirs has shown yet. */
  unreadMessages: number;
  users: string[];
  /** Rooms this user belongs to, newest first. */
  rooms: RoomState[];
  upload: UploadState | undefined;
  watching: WatchState | undefined;
  /** A short message for the status area ("only the admin (ann) controls this room"). */
  toast: Toast | undefined;
}

/** A snapshot before anything is known: logged out, offline, empty lists. */
export function emptySnapshot(central: string): ClientSnapshot {
  return {
    screen: 'login',
    central,
    user: undefined,
    link: { kind: 'offline' },
    loginError: undefined,
    loggedOutReason: undefined,
    busy: undefined,
    videos: [],
    notifications: [],
    unread: 0,
    messages: [],
    unreadMessages: 0,
    users: [],
    rooms: [],
    upload: undefined,
    watching: undefined,
    toast: undefined,
  };
}

/** One edit of a room's queue, as `room.queue` takes it. */
export interface QueueEdit {
  op: 'add' | 'remove' | 'move' | 'accept' | 'reject' | 'next' | 'suggest';
  videoId?: number;
  index?: number;
  to?: number;
}

export interface ClientActions {
  /** Empty `repeat` → log in; filled → register (the original design's single form). */
  submitLogin(user: string, password: string, repeat: string): Promise<void>;
  logout(): Promise<void>;
  markNotificationsRead(): void;
  /** The Messages tab is open: every message shown is read (on every device). */
  markMessagesRead(): void;
  /** A direct message; central stores it for the recipient if they are away. */
  sendMessage(to: string, text: string): Promise<void>;
  /** Stop (or allow again) someone's direct messages to me. */
  blockUser(user: string, on: boolean): Promise<void>;
  /** Write in the watched room's chat. */
  say(text: string): Promise<void>;
  /** The watched room's queue: add (a guest's is a suggestion), remove, move, accept, reject, next; places from 0. */
  editQueue(change: QueueEdit): Promise<void>;
  /** Start (or resume) an upload; progress appears in `snapshot().upload`. */
  upload(file: string, name?: string): void;
  cancelUpload(): void;
  /** Paths that complete `partial` (directories end with "/"), sorted; at most 50. */
  completePath(partial: string): string[];
  /** Play a video alone at once, with no room (as `watchparty play`). */
  playAlone(videoId: number): Promise<void>;
  createRoom(videoId: number, invite: string[]): Promise<RoomState | undefined>;
  /** Open a room in mpv and follow it (leaves any other room first). */
  openRoom(roomId: string): Promise<void>;
  leaveRoom(): Promise<void>;
  /** Admin controls for the watched room; guests get a toast explaining why not. */
  control(action: 'play' | 'pause' | 'seek', positionMs?: number): Promise<void>;
  /** Admin: play on without the members the watched room waits for (they catch up on their own). */
  goOn(): Promise<void>;
  /** Admin: go on by itself without a member who stalls 3 times in 2 minutes (on), or wait for all (off). */
  setAutoRelease(on: boolean): Promise<void>;
  /** Play the watched room from the copy of its video on this disk, when this profile knows one. */
  playOwnCopy(): Promise<void>;
  /** Admin: the watched room's playback rate (0.25–4); every member follows. */
  setSpeed(rate: number): Promise<void>;
  closeRoom(roomId: string): Promise<void>;
  /** Admin: invite users to the watched room, remove a member, or hand the admin role over (central checks). */
  manageRoom(action: 'invite' | 'remove' | 'handover' | 'mute' | 'unmute', users: string[]): Promise<void>;
  /** Delete a video everywhere (its uploader, or an operator with WATCHPARTY_SECRET; central checks). */
  deleteVideo(videoId: number): Promise<void>;
  /** Stop everything (mpv, connections) before the app exits. */
  quit(): Promise<void>;
}

export interface ClientSession {
  snapshot(): ClientSnapshot;
  /** Called whenever the snapshot may have changed; returns an unsubscribe function. */
  subscribe(listener: () => void): () => void;
  actions: ClientActions;
}
