/** Reading `watchparty watch --headless`: one JSON line per second, the player's own status type. */
import type { FollowerStatus as PlayerStatus } from '../../src/player/follower.js';

/** Every status line printed so far. */
export function statusLines(out: string): PlayerStatus[] {
  return out
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as PlayerStatus);
}

/** The latest status line of a running `watch`, if it printed one. */
export function lastStatus(p: { stdout(): string }): PlayerStatus | undefined {
  return statusLines(p.stdout()).at(-1);
}
