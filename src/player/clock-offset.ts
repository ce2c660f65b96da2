/**
 * NTP-style estimate of central's clock from this process's clock. Each exchange gives
 * (t0 sent, tc central's time, t3 received); the sample with the lowest round trip is the least
 * distorted by queueing, so the estimate is the offset of the lowest-RTT sample in a sliding window.
 */
export interface ClockSample {
  offsetMs: number;
  rttMs: number;
  atMs: number;
}

export interface ClockEstimate {
  samples: ClockSample[];
}

export const CLOCK = {
  windowSize: 16,
  /** Samples older than this are dropped, so drift between the clocks is followed. */
  maxAgeMs: 5 * 60_000,
} as const;

export function emptyEstimate(): ClockEstimate {
  return { samples: [] };
}

/** Add one exchange (all in ms: local send, central's answer, local receive). */
export function addSample(est: ClockEstimate, t0: number, centralMs: number, t3: number): ClockEstimate {
  const sample = { offsetMs: centralMs - (t0 + t3) / 2, rttMs: Math.max(0, t3 - t0), atMs: t3 };
  const samples = [...est.samples, sample].filter((s) => t3 - s.atMs <= CLOCK.maxAgeMs).slice(-CLOCK.windowSize);
  return { samples };
}

/** The best estimate: the lowest-RTT sample's offset (undefined before any sample). */
export function bestOffset(est: ClockEstimate): ClockSample | undefined {
  let best: ClockSample | undefined;
  for (const s of est.samples) if (!best || s.rttMs < best.rttMs) best = s;
  return best;
}
