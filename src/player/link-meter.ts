/**
 * Whether a member's link keeps up with the video, from the player's input rate sampled about once a
 * second. The rate says something about the link only while the player reads as fast as it can: while
 * its buffer is short. A full buffer (or the rest of the file in memory) means the link has kept up,
 * and the player then reads little, which says nothing. The verdict needs several seconds of evidence,
 * and has hysteresis, so a member's line does not flicker at the edge.
 */
import type { BufferState } from './buffer-health.js';

export const LINK = {
  /** Samples older than this are forgotten (ms). */
  windowMs: 10_000,
  /** The evidence a verdict needs: samples spanning at least this (ms). */
  minEvidenceMs: 5_000,
  /** With this much buffered ahead (ms), the link keeps up for now. */
  keepsUpBufferedMs: 30_000,
  /** Slow below this share of the need; fine again above `leave`. */
  enter: 0.95,
  leave: 1.05,
};

export type LinkRules = typeof LINK;

interface LinkSample {
  atMs: number;
  bps: number;
}

export interface LinkMeter {
  samples: readonly LinkSample[];
  slow: boolean;
}

/** What the meter says now: the link's rate (bytes/s, once measured) and whether it is too slow. */
export interface LinkVerdict {
  rateBps?: number;
  slow: boolean;
}

export const newLinkMeter = (): LinkMeter => ({ samples: [], slow: false });

/**
 * One sample of the player's buffer at `atMs`. `needBps` is what the video needs at the room's speed
 * (bytes/s); without it there is nothing to compare with, and nothing is ever slow.
 */
export function meterLink(m: LinkMeter, atMs: number, buffer: BufferState, needBps: number | undefined, rules: LinkRules = LINK): LinkMeter {
  if (buffer.eof || buffer.bufferedMs >= rules.keepsUpBufferedMs) return newLinkMeter();
  // A player that ran dry and reads nothing has a link delivering nothing, not an unknown one.
  const bps = buffer.inputBps ?? (buffer.stalled ? 0 : undefined);
  const samples = [...m.samples.filter((s) => atMs - s.atMs < rules.windowMs && s.atMs <= atMs), ...(bps !== undefined ? [{ atMs, bps }] : [])];
  const rate = meanRate(samples, rules);
  if (!needBps) return { samples, slow: false };
  // Too little evidence: the verdict stands until there is more.
  if (rate === undefined) return { samples, slow: m.slow };
  const slow = rate < needBps * (m.slow ? rules.leave : rules.enter);
  return { samples, slow };
}

export function linkVerdict(m: LinkMeter, rules: LinkRules = LINK): LinkVerdict {
  const rateBps = meanRate(m.samples, rules);
  return { ...(rateBps !== undefined ? { rateBps: Math.round(rateBps) } : {}), slow: m.slow };
}

function meanRate(samples: readonly LinkSample[], rules: LinkRules): number | undefined {
  if (samples.length < 2 || samples[samples.length - 1]!.atMs - samples[0]!.atMs < rules.minEvidenceMs) return undefined;
  return samples.reduce((sum, s) => sum + s.bps, 0) / samples.length;
}

/** "1.4 Mbit/s", "350 kbit/s": a rate in bytes/s as people quote links. */
export function bitRateText(bytesPerSecond: number): string {
  const bits = bytesPerSecond * 8;
  return bits >= 1e6 ? `${(bits / 1e6).toFixed(1)} Mbit/s` : `${Math.round(bits / 1e3)} kbit/s`;
}

/** "1.4 / 2.3 Mbit/s": a link's rate against a need, both in the need's unit. */
export function ratePairText(rateBps: number, needBps: number): string {
  const mega = needBps * 8 >= 1e6;
  const num = (bps: number) => (mega ? ((bps * 8) / 1e6).toFixed(1) : String(Math.round((bps * 8) / 1e3)));
  return `${num(rateBps)} / ${num(needBps)} ${mega ? 'Mbit/s' : 'kbit/s'}`;
}

/** What a member whose link is too slow is told. */
export function slowLinkText(rateBps: number, needBps: number): string {
  return `your link delivers ${bitRateText(rateBps)}; this video needs ${bitRateText(needBps)}`;
}

/** The video's mean rate (bytes/s) from its size and duration, when both are known. */
export function videoNeedBps(sizeBytes: number | undefined, durationMs: number): number | undefined {
  return sizeBytes && durationMs > 0 ? Math.round((sizeBytes * 1000) / durationMs) : undefined;
}
