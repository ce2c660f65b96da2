/**
 * Carries out `--quality` for one watching member: the options are the source and the renditions its
 * sub holds, the rule is player/quality.ts, and each switch is a reload the follower plans like a join
 * (a scheduled start on the room's frame). Says each switch on the OSD and in the log.
 */
import { InvalidArgumentError } from 'commander';
import type { VideoInfo } from '../../net/messages.js';
import type { Logger } from '../../core/log.js';
import { initialQuality, newQualityState, nextQuality, type QualityOption, type QualityState } from '../../player/quality.js';
import type { FollowRunner } from './follow-runner.js';

/** A choice with where its bytes are. */
export interface StreamOption extends QualityOption {
  /** Bytes a second it needs at normal speed (what the link meter compares with). */
  needBytesPerSec: number;
  kind: 'videos' | 'renditions';
  fileId: number;
}

/** The source and its renditions held by at least one sub, best first. */
export function streamOptions(video: Pick<VideoInfo, 'id' | 'size' | 'durationMs' | 'renditions'>): StreamOption[] {
  const seconds = Math.max(0.001, video.durationMs / 1000);
  const source: StreamOption = { id: 'source', bps: Math.round((video.size * 8) / seconds), needBytesPerSec: video.size / seconds, kind: 'videos', fileId: video.id };
  const renditions = (video.renditions ?? []).filter((r) => r.replicas > 0).map((r): StreamOption => ({ id: r.rung, bps: Math.round((r.size * 8) / seconds), needBytesPerSec: r.size / seconds, kind: 'renditions', fileId: r.id }));
  return [source, ...renditions].sort((a, b) => b.bps - a.bps);
}

/** `--quality`'s parser: auto, source, or a rung such as 480p (commander turns a refusal into a usage error). */
export function parseQuality(value: string): string {
  if (value === 'auto' || value === 'source' || /^\d{2,4}p$/.test(value)) return value;
  throw new InvalidArgumentError(`"${value}" is not a quality: use auto, source, or a rendition such as 480p`);
}

/**
 * The link's rate (bits/s) from a short download of the stream's first bytes (at most `maxBytes`, for at
 * most `maxMs`): what `auto` starts from, so a slow link does not begin on a stream it cannot carry.
 * Undefined when nothing could be measured.
 */
export async function measureRate(url: string, maxBytes = 2 * 1024 * 1024, maxMs = 2000): Promise<number | undefined> {
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), maxMs);
  const t0 = performance.now();
  let bytes = 0;
  try {
    const res = await fetch(url, { headers: { range: `bytes=0-${maxBytes - 1}` }, signal: stop.signal });
    if (!res.ok || !res.body) return undefined;
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.length;
    }
  } catch {
    /* the time is up (or the link broke): what arrived so far is the measure */
  } finally {
    clearTimeout(timer);
  }
  const seconds = (performance.now() - t0) / 1000;
  // Too little to tell (a tiny file, a refused request): no measure rather than a wrong one.
  return bytes >= 64 * 1024 && seconds > 0 ? (bytes * 8) / seconds : undefined;
}

/** Whether the sub serves `url` now (a rendition it has not replicated yet answers 503). */
export async function servedNow(url: string, maxMs = 3000): Promise<boolean> {
  try {
    const res = await fetch(url, { headers: { range: 'bytes=0-0' }, signal: AbortSignal.timeout(maxMs) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

/** A rendition this member's sub did not serve is not tried again for this long. */
const UNSERVED_RETRY_MS = 30_000;

export class QualityDriver {
  private state: QualityState;
  private retired = false;
  private switching = false;
  /** Options the sub did not serve when asked, and when to ask again. */
  private readonly unservedUntil = new Map<string, number>();
  /** The last rate the link was measured at: a full buffer stops the download, and with it the measure. */
  private lastRateBps: number | undefined;

  constructor(
    private readonly runner: FollowRunner,
    private readonly options: StreamOption[],
    private readonly wanted: string,
    private readonly urlOf: (o: StreamOption) => string,
    private readonly log: Logger,
    private readonly tell: (text: string) => void,
    knownRateBps?: number,
  ) {
    this.state = newQualityState(initialQuality(options, wanted, knownRateBps), Date.now());
    this.lastRateBps = knownRateBps;
    if (wanted === 'auto' && knownRateBps !== undefined) log.info(`link measured at ${(knownRateBps / 1e6).toFixed(1)} Mbit/s: starting on ${this.state.current}`);
  }

  /** The option to open first. */
  get initial(): StreamOption {
    return this.options.find((o) => o.id === this.state.current) ?? this.options[0]!;
  }

  get current(): string {
    return this.state.current;
  }

  /** The room moved to another video: this driver's options are not it any more, so it switches nothing. */
  retire(): void {
    this.retired = true;
  }

  /** Look once (every second or so): step down or up when the rule says. */
  tick(nowMs = Date.now()): void {
    if (this.retired || this.wanted !== 'auto' || this.switching || this.options.length < 2) return;
    const now = this.runner.qualityInput();
    this.lastRateBps = now.rateBps ?? this.lastRateBps;
    const options = this.options.filter((o) => o.id === this.state.current || (this.unservedUntil.get(o.id) ?? 0) <= nowMs);
    const before = this.state;
    const r = nextQuality(this.state, options, { ...now, rateBps: this.lastRateBps }, nowMs);
    this.state = r.state;
    if (r.switchTo) void this.switchTo(r.switchTo, before);
  }

  private async switchTo(id: string, before: QualityState): Promise<void> {
    const option = this.options.find((o) => o.id === id);
    if (!option) return;
    this.switching = true;
    try {
      // Renditions are listed once any sub holds them; this member's sub may not yet.
      const served = await servedNow(this.urlOf(option));
      if (this.retired) return;
      if (!served) {
        this.state = before;
        this.unservedUntil.set(id, Date.now() + UNSERVED_RETRY_MS);
        this.log.info(`${id} is not on this sub yet: staying on ${before.current}`);
        return;
      }
      const text = `switching to ${id === 'source' ? 'the source' : id} (${(option.bps / 1e6).toFixed(1)} Mbit/s)`;
      this.log.info(text);
      this.tell(text);
      this.runner.setRendition(id);
      await this.runner.reload(this.urlOf(option), option.needBytesPerSec);
    } finally {
      this.switching = false;
    }
  }
}
