/**
 * The player as the client sees it: a few operations and two kinds of events. `mpv-player.ts` is the
 * implementation (the only code that speaks mpv's IPC); test/fakes/fake-player.ts is a scripted one.
 */

import type { BufferState } from './buffer-health.js';

/** Where the player is, read at `atMs` on this process's clock (the midpoint of the reading). */
export interface PlayerSample {
  positionMs: number;
  paused: boolean;
  atMs: number;
  buffer: BufferState;
}

/** Something the player reports: its pause or rate changed, or a seek (ours or a person's) began or finished. */
export type PlayerEvent =
  /** `atEnd`: mpv paused itself at the end of the file (keep-open), nobody pressed anything. */
  | { kind: 'paused'; value: boolean; atEnd?: boolean }
  | { kind: 'speed'; rate: number }
  | { kind: 'seeking' }
  | { kind: 'seeked'; positionMs: number }
  /** A watchparty key pressed in the player's window (G: go on without the members the room waits for). */
  | { kind: 'key'; name: 'go' };

export interface Player {
  /** Resolves once the stream is open and the first frame is there (bounded by `timeoutMs`). */
  whenLoaded(timeoutMs: number): Promise<void>;
  setPause(value: boolean): Promise<void>;
  /** An exact seek; its end is reported as a `seeked` event. */
  seek(positionMs: number): Promise<void>;
  setSpeed(rate: number): Promise<void>;
  /** Open another stream (a rendition switch) paused at `startSeconds`; `whenLoaded` then tells when it is there. */
  load(url: string, startSeconds: number): Promise<void>;
  /** Play this audio track (from 1) and/or subtitle track (0: off). */
  setTracks(audio: number | undefined, subtitles: number | undefined): Promise<void>;
  /** A line on the player's screen for a few seconds. */
  osd(text: string): Promise<void>;
  sample(): Promise<PlayerSample | undefined>;
  onEvent(listener: (e: PlayerEvent) => void): void;
  /** Resolves when the player ends (closed by the person, or crashed). */
  readonly exited: Promise<unknown>;
  stop(): Promise<void>;
}
