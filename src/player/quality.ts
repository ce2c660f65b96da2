/**
 * Which rendition a member plays (`--quality auto`), as a pure rule over what its player and link
 * say: start on the best one the link is known to carry, step down when the buffer runs dry on a link
 * slower than the current choice, step up only after a long healthy stretch (one rung at a time, and
 * not again soon after a step up that failed). The follower carries out each switch as a reload and a
 * scheduled start on the room's frame, so the member stays in the room's sync.
 */

/** One thing a member can play: the source (`source`) or a rendition (`480p`), with what it needs. */
export interface QualityOption {
  id: string;
  /** Bits per second the link must carry to play it. */
  bps: number;
}

export interface QualityState {
  current: string;
  /** When the last switch was made (none soon after: a reload costs a moment of playback). */
  switchedMs: number;
  /** Since when the buffer has been healthy without a stall (undefined: not now). */
  healthySinceMs: number | undefined;
  /** No step up before this (after a step down, longer after a step up that ran dry). */
  holdUpUntilMs: number;
  /** The last step was up, at this time: a stall soon after means the link cannot carry it. */
  steppedUpMs: number | undefined;
}

export const QUALITY = {
  /** A link must carry this much more than an option needs to be trusted with it. */
  headroom: 1.25,
  /** Buffered less than this while the link is slower than the choice: step down. */
  lowBufferMs: 2000,
  /** Buffered at least this, for `upAfterMs`, before trying one rung up. */
  healthyBufferMs: 15_000,
  upAfterMs: 30_000,
  /** No two switches closer than this. */
  minGapMs: 8000,
  /** After a step down, no step up for this long; after a step up that ran dry within `failedUpMs`, `holdAfterFailMs`. */
  holdAfterDownMs: 60_000,
  failedUpMs: 30_000,
  holdAfterFailMs: 300_000,
};

/** What the player and its link say now. */
export interface QualityInput {
  stalled: boolean;
  bufferedMs: number;
  eof: boolean;
  /** The measured download rate (bits/s), when measured. */
  rateBps: number | undefined;
}

/** Options best first (highest bps first). */
export function ranked(options: readonly QualityOption[]): QualityOption[] {
  return [...options].sort((a, b) => b.bps - a.bps);
}

/** The option to start on: the one asked for, or (auto) the best that a known rate carries with headroom; the source when nothing is known. */
export function initialQuality(options: readonly QualityOption[], wanted: string, knownRateBps: number | undefined): string {
  const list = ranked(options);
  if (wanted !== 'auto') return list.find((o) => o.id === wanted)?.id ?? 'source';
  if (knownRateBps === undefined) return list[0]?.id ?? 'source';
  return (list.find((o) => o.bps * QUALITY.headroom <= knownRateBps) ?? list[list.length - 1])?.id ?? 'source';
}

export function newQualityState(current: string, nowMs: number): QualityState {
  return { current, switchedMs: nowMs, healthySinceMs: undefined, holdUpUntilMs: nowMs + QUALITY.upAfterMs, steppedUpMs: undefined };
}

/** One evaluation (auto only): the next state, and the option to switch to, if any. */
export function nextQuality(s: QualityState, options: readonly QualityOption[], x: QualityInput, nowMs: number): { state: QualityState; switchTo?: string } {
  const list = ranked(options);
  const at = list.findIndex((o) => o.id === s.current);
  const current = list[at];
  const healthy = !x.stalled && (x.eof || x.bufferedMs >= QUALITY.healthyBufferMs);
  let state: QualityState = { ...s, healthySinceMs: healthy ? (s.healthySinceMs ?? nowMs) : undefined };
  if (!current || nowMs - s.switchedMs < QUALITY.minGapMs || x.eof) return { state };
  const dry = x.stalled || x.bufferedMs < QUALITY.lowBufferMs;
  const tooSlow = x.stalled || (x.rateBps !== undefined && x.rateBps < current.bps);
  if (dry && tooSlow && at < list.length - 1) {
    // The best lower option the measured rate carries; at least one rung down.
    const fits = list.slice(at + 1).find((o) => x.rateBps !== undefined && o.bps * QUALITY.headroom <= x.rateBps) ?? list[list.length - 1]!;
    const failedUp = s.steppedUpMs !== undefined && nowMs - s.steppedUpMs < QUALITY.failedUpMs;
    state = { current: fits.id, switchedMs: nowMs, healthySinceMs: undefined, holdUpUntilMs: nowMs + (failedUp ? QUALITY.holdAfterFailMs : QUALITY.holdAfterDownMs), steppedUpMs: undefined };
    return { state, switchTo: fits.id };
  }
  const up = list[at - 1];
  if (up && state.healthySinceMs !== undefined && nowMs - state.healthySinceMs >= QUALITY.upAfterMs && nowMs >= s.holdUpUntilMs) {
    // A full buffer stops the download, so the rate may be unknown: then try one rung and see.
    if (x.rateBps === undefined || x.rateBps >= up.bps * QUALITY.headroom) {
      state = { current: up.id, switchedMs: nowMs, healthySinceMs: undefined, holdUpUntilMs: nowMs + QUALITY.upAfterMs, steppedUpMs: nowMs };
      return { state, switchTo: up.id };
    }
  }
  return { state };
}
