/**
 * What a follower tells the room about its player (its presence report), derived purely from the
 * follower's state: whether it plays, waits on a frame, seeks or ran dry, and how much is buffered.
 */
import { RESUME_BUFFERED_MS } from '../core/playback.js';
import { ratePairText } from './link-meter.js';

/** The player's buffer as last sampled. */
export interface BufferState {
  /** mpv paused itself for want of data (paused-for-cache). */
  stalled: boolean;
  bufferedMs: number;
  /** The rest of the file is buffered. */
  eof: boolean;
  /** What the player reads from the network (bytes/s), while it reads. */
  inputBps?: number;
}

export const EMPTY_BUFFER: BufferState = { stalled: false, bufferedMs: 0, eof: false };

export type ReportState = 'loading' | 'playing' | 'paused' | 'seeking' | 'stalled';

export interface Report {
  state: ReportState;
  bufferedMs: number;
  eof: boolean;
  offsetMs?: number;
  rateBps?: number;
}

/** The report for a follower in `phase` with `buffer`, playing a room that is `paused` or not. */
// 'holding' is paused, only checking the frame: reporting it as a seek would make a waiting room
// count us as not ready on every event it sends, and each change of whom it waits for is another event.
export function reportOf(phase: string, roomPaused: boolean, buffer: BufferState, offsetMs: number | undefined): Report {
  const state: ReportState = phase === 'loading' ? 'loading' : phase === 'seeking' ? 'seeking' : buffer.stalled || phase === 'behind' ? 'stalled' : roomPaused || phase === 'armed' ? 'paused' : 'playing';
  return {
    state,
    bufferedMs: Math.max(0, Math.round(buffer.bufferedMs)),
    eof: buffer.eof,
    ...(offsetMs !== undefined && state === 'playing' ? { offsetMs: Math.round(offsetMs * 10) / 10 } : {}),
    ...(buffer.inputBps !== undefined ? { rateBps: Math.round(buffer.inputBps) } : {}),
  };
}

/** Whether the room must hear at once (not at the next second): the member ran dry, or became ready. */
export function urgentChange(before: Report, after: Report): boolean {
  const ready = (r: Report) => r.eof || r.bufferedMs >= RESUME_BUFFERED_MS;
  return before.state !== after.state || ready(before) !== ready(after);
}

type ShownReport = { state: ReportState; bufferedMs: number; eof: boolean; offsetMs?: number; rateBps?: number; needBps?: number; slowLink?: boolean; rendition?: string };

/**
 * What a member's report reads as in a room: "playing +3 ms · 8.0 s buffered", "buffering 1.2 / 3 s",
 * with "· slow link 1.4 / 2.3 Mbit/s" when its link delivers less than the video needs, and "· 480p"
 * when it plays a rendition rather than the source.
 */
export function memberLine(r: ShownReport, released: boolean): string {
  const link = r.slowLink && r.rateBps !== undefined && r.needBps ? ` · slow link ${ratePairText(r.rateBps, r.needBps)}` : '';
  const rendition = r.rendition === 'own' ? ' · own copy' : r.rendition && r.rendition !== 'source' ? ` · ${r.rendition}` : '';
  return stateLine(r, released) + rendition + link;
}

function stateLine(r: ShownReport, released: boolean): string {
  const buffered = r.eof ? 'all buffered' : `${(r.bufferedMs / 1000).toFixed(1)} s buffered`;
  const offset = r.offsetMs !== undefined ? ` ${r.offsetMs >= 0 ? '+' : '−'}${Math.abs(Math.round(r.offsetMs))} ms` : '';
  if (r.state === 'stalled') return `stalled · buffering ${(r.bufferedMs / 1000).toFixed(1)} / ${RESUME_BUFFERED_MS / 1000} s`;
  const state = released ? 'catching up' : r.state;
  return `${state}${offset} · ${buffered}`;
}

/** The OSD line while a room waits: "waiting for bob — buffering 1.2 / 3 s". */
export function waitingText(waitingFor: readonly string[], members: readonly { user: string; bufferedMs: number; eof: boolean }[]): string {
  const parts = waitingFor.map((u) => {
    const h = members.find((m) => m.user.toLowerCase() === u.toLowerCase());
    return h ? `${u} — buffering ${(h.bufferedMs / 1000).toFixed(1)} / ${RESUME_BUFFERED_MS / 1000} s` : `${u} — buffering`;
  });
  return `waiting for ${parts.join(', ')}`;
}

/** Whether a member playing on its own buffer (released, catching up) should be left alone for now. */
export function playsOnOwnBuffer(buffer: BufferState): boolean {
  return buffer.stalled || (!buffer.eof && buffer.bufferedMs < RESUME_BUFFERED_MS);
}
