/**
 * The failure detector for one sub, as a pure state machine (the original design's rule):
 * probe every `intervalMs`; a probe unanswered within `timeoutMs` (or that cannot be sent) is a miss;
 * after a miss, probe again `retryMs` later; `maxMisses` misses in a row and the sub is dead.
 * The caller owns the clock and the sockets: it calls `tick` often, sends the probes it is told to,
 * and reports replies and send failures back.
 */

export interface DetectorConfig {
  intervalMs: number;
  retryMs: number;
  timeoutMs: number;
  maxMisses: number;
}

/** The spec's schedule for a heartbeat of `heartbeatMs`: retry after half of it, dead after three misses. */
export function detectorConfig(heartbeatMs: number): DetectorConfig {
  const half = Math.max(1, Math.round(heartbeatMs / 2));
  // A probe gets half a heartbeat to come back: long enough for a busy sub on a LAN (replies take
  // well under 10 ms), short enough that three misses fit well inside the 5 s the operator expects.
  return { intervalMs: heartbeatMs, retryMs: half, timeoutMs: half, maxMisses: 3 };
}

export interface ProbeState {
  misses: number;
  nextProbeAtMs: number;
  outstanding: { probeId: number; sentAtMs: number } | null;
  nextProbeId: number;
  dead: boolean;
}

export type DetectorAction =
  | { kind: 'probe'; probeId: number }
  | { kind: 'miss'; misses: number }
  | { kind: 'dead'; misses: number };

/** A freshly registered sub: first probe one interval from now. */
export function initialProbeState(nowMs: number, cfg: DetectorConfig): ProbeState {
  return { misses: 0, nextProbeAtMs: nowMs + cfg.intervalMs, outstanding: null, nextProbeId: 1, dead: false };
}

function recordMiss(s: ProbeState, nowMs: number, cfg: DetectorConfig): { state: ProbeState; actions: DetectorAction[] } {
  const misses = s.misses + 1;
  if (misses >= cfg.maxMisses) {
    return { state: { ...s, misses, outstanding: null, dead: true }, actions: [{ kind: 'miss', misses }, { kind: 'dead', misses }] };
  }
  return { state: { ...s, misses, outstanding: null, nextProbeAtMs: nowMs + cfg.retryMs }, actions: [{ kind: 'miss', misses }] };
}

/** Advance time: expire an unanswered probe, or start the next one when it is due. */
export function tick(s: ProbeState, nowMs: number, cfg: DetectorConfig): { state: ProbeState; actions: DetectorAction[] } {
  if (s.dead) return { state: s, actions: [] };
  if (s.outstanding) {
    if (nowMs - s.outstanding.sentAtMs >= cfg.timeoutMs) return recordMiss(s, nowMs, cfg);
    return { state: s, actions: [] };
  }
  if (nowMs >= s.nextProbeAtMs) {
    const probeId = s.nextProbeId;
    return {
      state: { ...s, outstanding: { probeId, sentAtMs: nowMs }, nextProbeId: probeId + 1 },
      actions: [{ kind: 'probe', probeId }],
    };
  }
  return { state: s, actions: [] };
}

/** The probe `probeId` was answered: the sub is healthy, misses reset, next probe one interval after it was sent. */
export function onReply(s: ProbeState, probeId: number, nowMs: number, cfg: DetectorConfig): ProbeState {
  if (s.dead || !s.outstanding || s.outstanding.probeId !== probeId) return s; // late reply to an expired probe
  const next = Math.max(nowMs, s.outstanding.sentAtMs + cfg.intervalMs);
  return { ...s, misses: 0, outstanding: null, nextProbeAtMs: next };
}

/** The probe could not even be sent (no connection): a miss now, without waiting for the timeout. */
export function onSendFailed(s: ProbeState, probeId: number, nowMs: number, cfg: DetectorConfig): { state: ProbeState; actions: DetectorAction[] } {
  if (s.dead || !s.outstanding || s.outstanding.probeId !== probeId) return { state: s, actions: [] };
  return recordMiss(s, nowMs, cfg);
}

/** The sub reconnected (same id): it is reachable again, so the miss streak ends. */
export function onReconnect(s: ProbeState, nowMs: number, cfg: DetectorConfig): ProbeState {
  if (s.dead) return s;
  return { ...s, misses: 0, outstanding: null, nextProbeAtMs: nowMs + cfg.intervalMs };
}
