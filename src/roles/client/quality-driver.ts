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

export class QualityDriver {
  private state: QualityState;
  private switching = false;

  constructor(
    private readonly runner: FollowRunner,
    private readonly options: StreamOption[],
    private readonly wanted: string,
    private readonly urlOf: (o: StreamOption) => string,
    private readonly log: Logger,
    private readonly tell: (text: string) => void,
  ) {
    this.state = newQualityState(initialQuality(options, wanted, undefined), Date.now());
  }

  /** The option to open first. */
  get initial(): StreamOption {
    return this.options.find((o) => o.id === this.state.current) ?? this.options[0]!;
  }

  get current(): string {
    return this.state.current;
  }

  /** Look once (every second or so): step down or up when the rule says. */
  tick(nowMs = Date.now()): void {
    if (this.wanted !== 'auto' || this.switching || this.options.length < 2) return;
    const r = nextQuality(this.state, this.options, this.runner.qualityInput(), nowMs);
    this.state = r.state;
    if (r.switchTo) void this.switchTo(r.switchTo);
  }

  private async switchTo(id: string): Promise<void> {
    const option = this.options.find((o) => o.id === id);
    if (!option) return;
    this.switching = true;
    const text = `switching to ${id === 'source' ? 'the source' : id} (${(option.bps / 1e6).toFixed(1)} Mbit/s)`;
    this.log.info(text);
    this.tell(text);
    try {
      this.runner.setRendition(id);
      await this.runner.reload(this.urlOf(option), option.needBytesPerSec);
    } finally {
      this.switching = false;
    }
  }
}
