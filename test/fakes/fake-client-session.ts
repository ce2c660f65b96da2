/**
 * A ClientSession for TUI tests: a plain object holding a snapshot the test sets, whose actions
 * record their calls and resolve at once. Also a fake terminal of any size, because
 * ink-testing-library's is fixed at 100 columns.
 */
import { EventEmitter } from 'node:events';
import type { ReactElement } from 'react';
import { render, type Instance } from 'ink';
import type { ClientActions, ClientSession, ClientSnapshot, WatchState } from '../../src/tui/client-session.js';
import type { Notification, RoomState, VideoInfo } from '../../src/net/messages.js';
export { plain, waitForFrame } from '../helpers/ink-frames.js';
import { emptySnapshot as emptyContractSnapshot } from '../../src/tui/client-session.js';

export type ActionName = keyof ClientActions;

export interface ActionCall {
  name: ActionName;
  args: unknown[];
}

export interface FakeClientSession extends ClientSession {
  /** Every action call, in order. */
  readonly calls: ActionCall[];
  /** The argument lists of the calls to one action. */
  callsTo(name: ActionName): unknown[][];
  /** Merge `partial` into the snapshot and notify subscribers (as the real session does). */
  set(partial: Partial<ClientSnapshot>): void;
  /** What `completePath` answers, by partial path; unknown partials complete to nothing. */
  completions: Record<string, string[]>;
  /** How many subscribers are listening. */
  listenerCount(): number;
}

/** A logged-out snapshot pointing at localhost:8000, with nothing in it. */
export function emptySnapshot(): ClientSnapshot {
  return emptyContractSnapshot('localhost:8000');
}

/** The main screen for "ann", online through sub-1. */
export function mainSnapshot(partial: Partial<ClientSnapshot> = {}): ClientSnapshot {
  return {
    ...emptySnapshot(),
    screen: 'main',
    user: 'ann',
    link: { kind: 'online', subId: 'sub-1', subAddress: '127.0.0.1:4567' },
    users: ['ann', 'bob', 'cid'],
    ...partial,
  };
}

/** A catalogue video with plausible fields; `id` also makes the name unless one is given. */
export function makeVideo(id: number, partial: Partial<VideoInfo> = {}): VideoInfo {
  return {
    id,
    name: `video-${String(id).padStart(3, '0')}.mkv`,
    size: 50_000_000 + id,
    sha256: 'a'.repeat(64),
    durationMs: 5_400_000,
    width: 1920,
    height: 1080,
    videoCodec: 'h264',
    audioCodec: 'aac',
    uploader: 'ann',
    createdMs: 1_700_000_000_000 + id,
    replicas: 2,
    ...partial,
  };
}

/** A room of ann's, paused at 0. */
export function makeRoom(partial: Partial<RoomState> = {}): RoomState {
  return {
    id: 'r-0000000a',
    videoId: 1,
    videoName: 'Big Buck Bunny.mkv',
    durationMs: 2_710_000,
    admin: 'ann',
    members: ['ann', 'bob'],
    watching: ['ann'],
    muted: [],
    queue: [],
    suggestions: [],
    paused: true,
    speed: 1,
    waitingFor: [],
    released: [],
    autoRelease: false,
    positionMs: 0,
    atMs: 1_700_000_000_000,
    seq: 1,
    adminPresent: true,
    adminSeenMs: 1_700_000_000_000,
    resumeWhenAdminBack: false,
    closed: false,
    createdMs: 1_700_000_000_000,
    ...partial,
  };
}

/** Watching `room` at `expectedMs`, as its admin unless `isAdmin` is false. */
export function makeWatch(room: RoomState, partial: Partial<WatchState> = {}): WatchState {
  return { room, isAdmin: true, expectedMs: 723_000, errorMs: 3, speed: 0.995, health: [], chat: [], ...partial };
}

export function makeNotification(id: number, text: string, partial: Partial<Notification> = {}): Notification {
  return { id, atMs: 1_700_000_000_000 + id * 60_000, kind: 'system', text, ...partial };
}

/** A fake session starting from `initial` (default: the empty login screen). */
export function createFakeClientSession(initial: ClientSnapshot = emptySnapshot()): FakeClientSession {
  let current = initial;
  const listeners = new Set<() => void>();
  const calls: ActionCall[] = [];
  const record = (name: ActionName, args: unknown[]) => {
    calls.push({ name, args });
  };
  const fake: FakeClientSession = {
    calls,
    completions: {},
    callsTo: (name) => calls.filter((c) => c.name === name).map((c) => c.args),
    snapshot: () => current,
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    set(partial) {
      current = { ...current, ...partial };
      for (const l of [...listeners]) l();
    },
    listenerCount: () => listeners.size,
    actions: {
      submitLogin: async (...args) => record('submitLogin', args),
      logout: async () => record('logout', []),
      markNotificationsRead: () => record('markNotificationsRead', []),
      markMessagesRead: () => record('markMessagesRead', []),
      sendMessage: async (...args) => record('sendMessage', args),
      blockUser: async (...args) => record('blockUser', args),
      say: async (...args) => record('say', args),
      editQueue: async (...args) => record('editQueue', args),
      upload: (...args) => record('upload', args),
      cancelUpload: () => record('cancelUpload', []),
      completePath: (partial) => {
        record('completePath', [partial]);
        return fake.completions[partial] ?? [];
      },
      playAlone: async (...args) => record('playAlone', args),
      createRoom: async (videoId, invite) => {
        record('createRoom', [videoId, invite]);
        return makeRoom({ videoId, members: [current.user ?? 'ann', ...invite] });
      },
      openRoom: async (...args) => record('openRoom', args),
      leaveRoom: async () => record('leaveRoom', []),
      control: async (...args) => record('control', args),
      setSpeed: async (...args) => record('setSpeed', args),
      goOn: async () => record('goOn', []),
      setAutoRelease: async (...args) => record('setAutoRelease', args),
      playOwnCopy: async () => record('playOwnCopy', []),
      closeRoom: async (...args) => record('closeRoom', args),
      manageRoom: async (...args) => record('manageRoom', args),
      deleteVideo: async (...args) => record('deleteVideo', args),
      quit: async () => record('quit', []),
    },
  };
  return fake;
}

/** A terminal of a chosen size for Ink: stdout that keeps frames, stdin the test writes keys into. */
export interface FakeTerminal {
  stdin: EventEmitter & { write(data: string): void };
  /** The last frame Ink wrote. */
  lastFrame(): string | undefined;
  frames: string[];
  /** Change the size and tell Ink, as a SIGWINCH would. */
  resize(columns: number, rows: number): void;
  instance: Instance;
  unmount(): void;
}

class SizedStdout extends EventEmitter {
  frames: string[] = [];
  isTTY = true;
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }
  write = (frame: string): boolean => {
    this.frames.push(frame);
    return true;
  };
}

class KeyStdin extends EventEmitter {
  isTTY = true;
  private data: string | null = null;
  write = (data: string): void => {
    this.data = data;
    this.emit('readable');
    this.emit('data', data);
  };
  read = (): string | null => {
    const d = this.data;
    this.data = null;
    return d;
  };
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
}

/** Render `tree` in a `columns` × `rows` terminal (debug mode: every frame written whole, like ink-testing-library). */
export function renderInTerminal(tree: ReactElement, columns: number, rows: number): FakeTerminal {
  const stdout = new SizedStdout(columns, rows);
  const stdin = new KeyStdin();
  const stderr = new SizedStdout(columns, rows);
  const instance = render(tree, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  return {
    stdin,
    frames: stdout.frames,
    lastFrame: () => stdout.frames.at(-1),
    resize(c, r) {
      stdout.columns = c;
      stdout.rows = r;
      stdout.emit('resize');
    },
    instance,
    unmount() {
      instance.unmount();
      instance.cleanup();
    },
  };
}

/** Key sequences as a terminal sends them. */
export const KEY = {
  up: '\u001b[A',
  down: '\u001b[B',
  right: '\u001b[C',
  left: '\u001b[D',
  pageUp: '\u001b[5~',
  pageDown: '\u001b[6~',
  enter: '\r',
  escape: '\u001b',
  tab: '\t',
  shiftTab: '\u001b[Z',
  backspace: '\u007f',
  ctrlC: '\u0003',
} as const;



/** Poll `cond` until it holds (at most `timeoutMs`). */
export async function waitUntil(cond: () => boolean, what: string, timeoutMs = 1000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Let Ink attach its input listener after the first render. */
export const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 30));

/**
 * Write keys one at a time, then wait until the app has handled them: it pumps queued keys one per
 * commit, and Ink waits a tick before taking a lone Escape as a key.
 */
export async function press(stdin: { write(data: string): void }, ...keys: string[]): Promise<void> {
  for (const k of keys) {
    stdin.write(k);
    // One macrotask per character is what the app needs to pump a typed string through.
    for (let i = 0; i < Array.from(k).length + 2; i++) await new Promise((r) => setImmediate(r));
  }
}
