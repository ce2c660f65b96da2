/**
 * Which files in a sub's replica folder no catalogue video owns any more: videos deleted while the sub
 * was away (or whose `video.removed` it missed). Pure: the Replicator deletes what this names.
 */

/** Replica (`<id>`) and partial (`<id>.part`) files whose id is neither in the catalogue nor being pulled. */
export function strayReplicaFiles(files: readonly string[], catalogue: ReadonlySet<number>, pulling: ReadonlySet<number>): { file: string; id: number }[] {
  const stray: { file: string; id: number }[] = [];
  for (const file of files) {
    const m = /^(\d+)(\.part)?$/.exec(file);
    if (!m) continue;
    const id = Number(m[1]);
    if (!catalogue.has(id) && !pulling.has(id)) stray.push({ file, id });
  }
  return stray;
}
