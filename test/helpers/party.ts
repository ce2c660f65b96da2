/** A cluster with 2 subs, users ann (admin) and bob on different subs, cat (not invited), and ann's room. */
import { expect } from 'vitest';
import { startCluster, type Cluster } from './cluster.js';
import { waitFor } from './wait-for.js';

export async function startParty(clip: string): Promise<{ c: Cluster; roomId: string }> {
  const c = await startCluster({ subs: 2 });
  const subs = [await c.register('ann'), await c.register('bob'), await c.register('cat')];
  expect(subs[0]).not.toBe(subs[1]);
  expect((await c.cli('ann', ['upload', clip])).code).toBe(0);
  await waitFor(async () => JSON.parse((await c.cli('ann', ['videos', '--json'])).stdout)[0]?.replicas === 2, { timeoutMs: 15_000, what: 'replicas' });
  const r = await c.cli('ann', ['room', 'create', 'movie.mkv', '--invite', 'bob', '--json']);
  expect(r.code, r.output).toBe(0);
  return { c, roomId: (JSON.parse(r.stdout) as { id: string }).id };
}
