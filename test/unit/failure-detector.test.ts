import { describe, expect, it } from 'vitest';
import {
  detectorConfig,
  initialProbeState,
  onReconnect,
  onReply,
  onSendFailed,
  tick,
  type DetectorAction,
  type DetectorConfig,
  type ProbeState,
} from '../../src/roles/shared/failure-detector.js';

const STEP_MS = 10;
const CFG = detectorConfig(1000); // interval 1000, retry 500, timeout 500, 3 misses

type Event = [atMs: number, what: string];

/** What the sub (or the network) does, keyed by the caller's clock. */
interface Script {
  /** Reply to probe `probeId` at this time. */
  replies?: { atMs: number; probeId: number }[];
  /** The probe sent at exactly this time could not be sent. */
  sendFailsAtMs?: number[];
  reconnectAtMs?: number[];
}

function label(a: DetectorAction): string {
  return a.kind === 'probe' ? `probe ${a.probeId}` : `${a.kind} ${a.misses}`;
}

/**
 * Drive the detector from time 0 to `untilMs` with a tick every 10 ms, the way central does.
 * At each step: deliver the scripted replies/reconnects due now, then tick; a probe the script says
 * cannot be sent is reported back at once. Returns every action with its time, and the final state.
 */
function run(untilMs: number, script: Script = {}, cfg: DetectorConfig = CFG): { timeline: Event[]; state: ProbeState } {
  let s = initialProbeState(0, cfg);
  const timeline: Event[] = [];
  for (let now = 0; now <= untilMs; now += STEP_MS) {
    for (const r of script.replies ?? []) {
      if (r.atMs === now) {
        const before = s;
        s = onReply(s, r.probeId, now, cfg);
        timeline.push([now, s === before ? `reply ${r.probeId} ignored` : `reply ${r.probeId}`]);
      }
    }
    if (script.reconnectAtMs?.includes(now)) {
      s = onReconnect(s, now, cfg);
      timeline.push([now, 'reconnect']);
    }
    const t = tick(s, now, cfg);
    s = t.state;
    for (const a of t.actions) {
      timeline.push([now, label(a)]);
      if (a.kind === 'probe' && script.sendFailsAtMs?.includes(now)) {
        const f = onSendFailed(s, a.probeId, now, cfg);
        s = f.state;
        for (const b of f.actions) timeline.push([now, `${label(b)} (send failed)`]);
      }
    }
  }
  return { timeline, state: s };
}

describe('detectorConfig', () => {
  it.each([
    [2000, { intervalMs: 2000, retryMs: 1000, timeoutMs: 1000, maxMisses: 3 }],
    [1000, { intervalMs: 1000, retryMs: 500, timeoutMs: 500, maxMisses: 3 }],
    [5000, { intervalMs: 5000, retryMs: 2500, timeoutMs: 2500, maxMisses: 3 }],
    [1, { intervalMs: 1, retryMs: 1, timeoutMs: 1, maxMisses: 3 }],
  ])('heartbeat %i ms → %o', (hb, expected) => {
    expect(detectorConfig(hb)).toEqual(expected);
  });
});

describe('failure detector timelines (heartbeat 1000 ms, tick every 10 ms)', () => {
  it('first probe one interval after registration, nothing before', () => {
    const { timeline } = run(1000);
    expect(timeline).toEqual([[1000, 'probe 1']]);
  });

  it('a sub that always answers is probed once per interval, never missed', () => {
    const replies = [1, 2, 3].map((id) => ({ atMs: id * 1000 + 20, probeId: id }));
    const { timeline, state } = run(4000, { replies });
    expect(timeline).toEqual([
      [1000, 'probe 1'],
      [1020, 'reply 1'],
      [2000, 'probe 2'],
      [2020, 'reply 2'],
      [3000, 'probe 3'],
      [3020, 'reply 3'],
      [4000, 'probe 4'],
    ]);
    expect(state.misses).toBe(0);
  });

  it('a slow reply pushes the next probe to the reply time, never earlier than one interval after the send', () => {
    // reply at 1490 (just inside the 500 ms timeout): next probe still at 2000.
    const { timeline } = run(2500, { replies: [{ atMs: 1490, probeId: 1 }, { atMs: 2490, probeId: 2 }] });
    expect(timeline).toEqual([
      [1000, 'probe 1'],
      [1490, 'reply 1'],
      [2000, 'probe 2'],
      [2490, 'reply 2'],
    ]);
  });

  it('a sub that never answers: miss, retry after half a heartbeat, dead on the third miss, then silence', () => {
    const { timeline, state } = run(10_000);
    expect(timeline).toEqual([
      [1000, 'probe 1'],
      [1500, 'miss 1'],
      [2000, 'probe 2'],
      [2500, 'miss 2'],
      [3000, 'probe 3'],
      [3500, 'miss 3'],
      [3500, 'dead 3'],
    ]);
    expect(state.dead).toBe(true);
    expect(state.misses).toBe(3);
    expect(state.outstanding).toBeNull();
  });

  it('after dead: tick, replies, send failures and reconnects change nothing', () => {
    const dead = run(3500).state;
    expect(dead.dead).toBe(true);
    for (const now of [3510, 5000, 100_000]) expect(tick(dead, now, CFG)).toEqual({ state: dead, actions: [] });
    expect(onReply(dead, 3, 3600, CFG)).toBe(dead);
    expect(onSendFailed(dead, 3, 3600, CFG)).toEqual({ state: dead, actions: [] });
    expect(onReconnect(dead, 3600, CFG)).toBe(dead);
  });

  it('a reply resets the miss count', () => {
    // miss 1 at 1500, probe 2 at 2000 answered at 2100 → misses 0; then never answers again.
    const { timeline } = run(7000, { replies: [{ atMs: 2100, probeId: 2 }] });
    expect(timeline).toEqual([
      [1000, 'probe 1'],
      [1500, 'miss 1'],
      [2000, 'probe 2'],
      [2100, 'reply 2'],
      [3000, 'probe 3'],
      [3500, 'miss 1'],
      [4000, 'probe 4'],
      [4500, 'miss 2'],
      [5000, 'probe 5'],
      [5500, 'miss 3'],
      [5500, 'dead 3'],
    ]);
  });

  it('two misses then a reply: a later third miss does not kill', () => {
    const { timeline, state } = run(4600, { replies: [{ atMs: 3050, probeId: 3 }] });
    expect(timeline).toEqual([
      [1000, 'probe 1'],
      [1500, 'miss 1'],
      [2000, 'probe 2'],
      [2500, 'miss 2'],
      [3000, 'probe 3'],
      [3050, 'reply 3'],
      [4000, 'probe 4'],
      [4500, 'miss 1'],
    ]);
    expect(state.dead).toBe(false);
    expect(state.misses).toBe(1);
  });

  it('a late reply to an expired probe id is ignored', () => {
    // probe 1 expires at 1500; its reply arrives at 1600, and again while probe 2 is outstanding.
    const { timeline } = run(3600, { replies: [{ atMs: 1600, probeId: 1 }, { atMs: 2100, probeId: 1 }] });
    expect(timeline).toEqual([
      [1000, 'probe 1'],
      [1500, 'miss 1'],
      [1600, 'reply 1 ignored'],
      [2000, 'probe 2'],
      [2100, 'reply 1 ignored'],
      [2500, 'miss 2'],
      [3000, 'probe 3'],
      [3500, 'miss 3'],
      [3500, 'dead 3'],
    ]);
  });

  it('a reply to a probe id never sent is ignored', () => {
    const s = run(1200).state; // probe 1 outstanding
    expect(onReply(s, 2, 1200, CFG)).toBe(s);
    expect(onReply(initialProbeState(0, CFG), 1, 10, CFG)).toEqual(initialProbeState(0, CFG));
  });

  it('a send failure is a miss at once, and the retry follows retryMs later', () => {
    const { timeline } = run(4000, { sendFailsAtMs: [1000, 1500] });
    expect(timeline).toEqual([
      [1000, 'probe 1'],
      [1000, 'miss 1 (send failed)'],
      [1500, 'probe 2'],
      [1500, 'miss 2 (send failed)'],
      [2000, 'probe 3'],
      [2500, 'miss 3'],
      [2500, 'dead 3'],
    ]);
  });

  it('three send failures in a row: dead on the third, 1000 ms after the first', () => {
    const { timeline } = run(3000, { sendFailsAtMs: [1000, 1500, 2000] });
    expect(timeline).toEqual([
      [1000, 'probe 1'],
      [1000, 'miss 1 (send failed)'],
      [1500, 'probe 2'],
      [1500, 'miss 2 (send failed)'],
      [2000, 'probe 3'],
      [2000, 'miss 3 (send failed)'],
      [2000, 'dead 3 (send failed)'],
    ]);
  });

  it('a send failure for a probe that is not outstanding is ignored', () => {
    const s = run(1200).state; // probe 1 outstanding
    expect(onSendFailed(s, 7, 1200, CFG)).toEqual({ state: s, actions: [] });
    const idle = initialProbeState(0, CFG);
    expect(onSendFailed(idle, 1, 10, CFG)).toEqual({ state: idle, actions: [] });
  });

  it('a reconnect ends the miss streak and restarts the schedule one interval later', () => {
    // two misses, reconnect at 2700, then silence.
    const { timeline } = run(6000, { reconnectAtMs: [2700] });
    expect(timeline).toEqual([
      [1000, 'probe 1'],
      [1500, 'miss 1'],
      [2000, 'probe 2'],
      [2500, 'miss 2'],
      [2700, 'reconnect'],
      [3700, 'probe 3'],
      [4200, 'miss 1'],
      [4700, 'probe 4'],
      [5200, 'miss 2'],
      [5700, 'probe 5'],
    ]);
  });

  it('a reconnect drops the outstanding probe, so its late reply is ignored', () => {
    const { timeline } = run(2800, { reconnectAtMs: [1200], replies: [{ atMs: 1300, probeId: 1 }] });
    expect(timeline).toEqual([
      [1000, 'probe 1'],
      [1200, 'reconnect'],
      [1300, 'reply 1 ignored'],
      [2200, 'probe 2'],
      [2700, 'miss 1'],
    ]);
  });

  it('heartbeat 2000: the spec schedule, dead 7 s after registration', () => {
    const { timeline } = run(20_000, {}, detectorConfig(2000));
    expect(timeline).toEqual([
      [2000, 'probe 1'],
      [3000, 'miss 1'],
      [4000, 'probe 2'],
      [5000, 'miss 2'],
      [6000, 'probe 3'],
      [7000, 'miss 3'],
      [7000, 'dead 3'],
    ]);
  });
});

describe('failure detector state', () => {
  it('initial state: no misses, first probe due one interval from now, ids start at 1', () => {
    expect(initialProbeState(500, CFG)).toEqual({ misses: 0, nextProbeAtMs: 1500, outstanding: null, nextProbeId: 1, dead: false });
  });

  it('tick does not mutate the state it is given', () => {
    const s = initialProbeState(0, CFG);
    const copy = structuredClone(s);
    tick(s, 1000, CFG);
    expect(s).toEqual(copy);
  });

  it('probe ids keep increasing across reconnects', () => {
    let s = initialProbeState(0, CFG);
    s = tick(s, 1000, CFG).state;
    s = onReconnect(s, 1100, CFG);
    const t = tick(s, 2100, CFG);
    expect(t.actions).toEqual([{ kind: 'probe', probeId: 2 }]);
  });
});
