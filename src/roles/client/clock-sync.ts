/** The client's side of clock sync with central: a precise local clock and NTP-style exchanges. */
import type { Peer } from '../../net/peer.js';
import { addSample, emptyEstimate, type ClockEstimate } from '../../player/clock-offset.js';

/** This process's clock in ms with sub-ms resolution (monotonic, aligned to the wall clock at start). */
export function localNow(): number {
  return performance.timeOrigin + performance.now();
}

/** `rounds` NTP-style exchanges with central through `peer`, added to `est`. */
export async function measureClock(peer: Peer, rounds: number, est: ClockEstimate = emptyEstimate()): Promise<ClockEstimate> {
  let out = est;
  for (let i = 0; i < rounds; i++) {
    const t0 = localNow();
    const { centralMs } = await peer.request('time.sync', {}, { timeoutMs: 3000 });
    out = addSample(out, t0, centralMs, localNow());
  }
  return out;
}
