import { describe, expect, it } from 'vitest';
import { LINK, linkVerdict, meterLink, newLinkMeter, ratePairText, slowLinkText, videoNeedBps, type LinkMeter } from '../../src/player/link-meter.js';
import { memberLine, type BufferState } from '../../src/player/buffer-health.js';

const NEED = 300_000; // 2.4 Mbit/s
const buf = (over: Partial<BufferState> = {}): BufferState => ({ stalled: false, bufferedMs: 2000, eof: false, ...over });

/** Feed one sample a second for `seconds`, from `fromMs`. */
function feed(m: LinkMeter, fromMs: number, seconds: number, b: BufferState, need: number | undefined = NEED): LinkMeter {
  for (let i = 0; i < seconds; i++) m = meterLink(m, fromMs + i * 1000, b, need);
  return m;
}

describe('link meter: whether a link keeps up with the video', () => {
  it('a short buffer filled at 70 % of the need is a slow link, once there are 5 s of evidence', () => {
    let m = feed(newLinkMeter(), 0, 5, buf({ inputBps: 0.7 * NEED }));
    expect(linkVerdict(m).slow).toBe(false); // 4 s span: not enough yet
    m = meterLink(m, 5000, buf({ inputBps: 0.7 * NEED }), NEED);
    expect(linkVerdict(m)).toEqual({ slow: true, rateBps: 0.7 * NEED });
  });

  it('a link reading faster than the need is fine; a stalled player reading nothing counts as 0 bytes/s', () => {
    expect(linkVerdict(feed(newLinkMeter(), 0, 8, buf({ inputBps: 3 * NEED }))).slow).toBe(false);
    expect(linkVerdict(feed(newLinkMeter(), 0, 8, buf({ stalled: true, bufferedMs: 0 }))).slow).toBe(true);
  });

  it('a full buffer or the end of the file says the link kept up, whatever the player reads now', () => {
    const slow = feed(newLinkMeter(), 0, 8, buf({ inputBps: 0.5 * NEED }));
    expect(slow.slow).toBe(true);
    expect(meterLink(slow, 8000, buf({ bufferedMs: LINK.keepsUpBufferedMs, inputBps: 1000 }), NEED)).toEqual(newLinkMeter());
    expect(meterLink(slow, 8000, buf({ eof: true, inputBps: 1000 }), NEED).slow).toBe(false);
  });

  it('has hysteresis: slow below 95 % of the need, fine again only above 105 %', () => {
    const at = (share: number, m = newLinkMeter()) => feed(m, 100_000, 11, buf({ inputBps: share * NEED }));
    expect(at(0.97).slow).toBe(false);
    expect(at(0.9).slow).toBe(true);
    expect(at(1.0, at(0.9)).slow).toBe(true);
    expect(at(1.1, at(0.9)).slow).toBe(false);
  });

  it('forgets samples older than the window, and without a need nothing is slow', () => {
    const m = feed(newLinkMeter(), 0, 8, buf({ inputBps: 0.5 * NEED }));
    const later = meterLink(m, 60_000, buf({ inputBps: 2 * NEED }), NEED);
    expect(later.samples).toHaveLength(1);
    expect(later.slow).toBe(true); // one sample is no evidence: the verdict stands
    expect(feed(newLinkMeter(), 0, 8, buf({ inputBps: 1 }), 0).slow).toBe(false);
  });

  it('says it as people quote links', () => {
    expect(slowLinkText(175_000, 287_500)).toBe('your link delivers 1.4 Mbit/s; this video needs 2.3 Mbit/s');
    expect(slowLinkText(40_000, 100_000)).toBe('your link delivers 320 kbit/s; this video needs 800 kbit/s');
    expect(ratePairText(40_000, 287_500)).toBe('0.3 / 2.3 Mbit/s');
    expect(videoNeedBps(600_000_000, 600_000)).toBe(1_000_000);
    expect(videoNeedBps(undefined, 600_000)).toBeUndefined();
    expect(videoNeedBps(1000, 0)).toBeUndefined();
  });

  it("shows a slow member's link next to their state in the room", () => {
    const report = { state: 'playing' as const, bufferedMs: 1500, eof: false, rateBps: 175_000, needBps: 287_500, slowLink: true };
    expect(memberLine(report, false)).toBe('playing · 1.5 s buffered · slow link 1.4 / 2.3 Mbit/s');
    expect(memberLine({ ...report, slowLink: false }, false)).toBe('playing · 1.5 s buffered');
    expect(memberLine({ ...report, rendition: '240p' }, false)).toBe('playing · 1.5 s buffered · 240p · slow link 1.4 / 2.3 Mbit/s');
    expect(memberLine({ ...report, slowLink: false, rendition: 'source' }, false)).toBe('playing · 1.5 s buffered');
  });
});
