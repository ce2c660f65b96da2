/**
 * How late the room's news reaches this member lately: the one-way delay of the room messages central
 * stamps with its clock (`sentAtMs`), read on our estimate of central's clock. A round trip measured
 * now and then misses a queue that fills only while the player downloads (a home link slower than the
 * video): the room's start lead must cover the delay an event meets now, so the member hears of a start
 * before its instant and starts on its frame instead of seeking after it. Pure: the caller passes times.
 */

export interface DeliveryWindow {
  /** Recent one-way delays (ms), newest last. */
  samples: { atMs: number; delayMs: number }[];
}

export const DELIVERY = {
  /** The delay reported is the worst of this long: long enough to span a download burst, short enough to forget one. */
  windowMs: 10_000,
  /** At most this many samples are kept (room messages come about once a second). */
  maxSamples: 64,
  /** Delays above this are clock trouble or a link too slow to plan for, not a queue. */
  maxDelayMs: 10_000,
} as const;

export const EMPTY_DELIVERY: DeliveryWindow = { samples: [] };

/** A message central sent at `sentAtMs` arrived at `nowMs` (both on central's clock, ours estimated). */
export function heard(w: DeliveryWindow, sentAtMs: number, nowMs: number): DeliveryWindow {
  // Our estimate of central's clock can be a little ahead or behind: a message never arrives before it left.
  const delayMs = Math.min(DELIVERY.maxDelayMs, Math.max(0, nowMs - sentAtMs));
  const samples = [...w.samples.filter((s) => nowMs - s.atMs <= DELIVERY.windowMs), { atMs: nowMs, delayMs }];
  return { samples: samples.slice(-DELIVERY.maxSamples) };
}

/** The worst one-way delay of the window at `nowMs` (undefined when nothing was heard in it). */
export function deliveryMs(w: DeliveryWindow, nowMs: number): number | undefined {
  let worst: number | undefined;
  for (const s of w.samples) if (nowMs - s.atMs <= DELIVERY.windowMs && (worst === undefined || s.delayMs > worst)) worst = s.delayMs;
  return worst;
}
