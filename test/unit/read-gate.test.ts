import { describe, expect, it } from 'vitest';
import { ReadGate, UNTRUSTED_LIMITS, type Pausable } from '../../src/net/flow.js';

/** A socket that records pause/resume and lets a test set what waits to be sent. */
function fakeSocket(): Pausable & { calls: string[]; bufferedAmount: number } {
  const s = {
    calls: [] as string[],
    bufferedAmount: 0,
    pause: () => void s.calls.push('pause'),
    resume: () => void s.calls.push('resume'),
  };
  return s;
}

describe('ReadGate', () => {
  it('pauses while replies pile up and resumes when they drain', () => {
    const s = fakeSocket();
    const gate = new ReadGate(s, UNTRUSTED_LIMITS);
    s.bufferedAmount = UNTRUSTED_LIMITS.pauseAboveBytes! + 1;
    gate.update();
    s.bufferedAmount = 0;
    gate.update();
    expect(s.calls).toEqual(['pause', 'resume']);
    gate.dispose();
  });

  it('once shut, stays paused whatever happens next (a peer closed for flooding is never read again)', () => {
    const s = fakeSocket();
    const gate = new ReadGate(s, UNTRUSTED_LIMITS);
    gate.shut();
    const end = gate.started(0);
    end();
    gate.update();
    expect(s.calls).toEqual(['pause']);
    // Shutting a gate that is paused already does not pause twice.
    const t = fakeSocket();
    const other = new ReadGate(t, UNTRUSTED_LIMITS);
    t.bufferedAmount = UNTRUSTED_LIMITS.pauseAboveBytes! + 1;
    other.update();
    other.shut();
    expect(t.calls).toEqual(['pause']);
  });
});
