/**
 * What a sub keeps about its cluster between runs, in its data folder: the central instance its data
 * belongs to. A sub that meets another instance wipes what it stored for the old one.
 */
import fs from 'node:fs';
import path from 'node:path';

const STATE_FILE = 'state.json';

/** The instance id this sub's data belongs to, as left by the last run. */
export function readSubState(dataDir: string): { instanceId?: string } {
  try {
    return JSON.parse(fs.readFileSync(path.join(dataDir, STATE_FILE), 'utf8')) as { instanceId?: string };
  } catch {
    return {};
  }
}

export function writeSubState(dataDir: string, state: { instanceId: string }): void {
  const file = path.join(dataDir, STATE_FILE);
  fs.writeFileSync(file + '.tmp', JSON.stringify(state));
  fs.renameSync(file + '.tmp', file);
}

/** Delete everything this sub stored for another central instance, except the entries named in `keep`. */
export function wipeSubData(dataDir: string, keep: ReadonlySet<string>): void {
  for (const entry of fs.readdirSync(dataDir)) {
    if (!keep.has(entry)) fs.rmSync(path.join(dataDir, entry), { recursive: true, force: true });
  }
}
