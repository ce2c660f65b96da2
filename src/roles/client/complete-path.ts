/** Tab completion of file paths for the TUI's upload field. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Tab completion for a typed path: entries of its folder that start with its last part. */
export function completePath(partial: string): string[] {
  const expanded = partial.replace(/^~(?=$|\/)/, os.homedir());
  const dir = expanded.endsWith('/') ? expanded : path.dirname(expanded);
  const prefix = expanded.endsWith('/') ? '' : path.basename(expanded);
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir || '.', { withFileTypes: true });
  } catch {
    return [];
  }
  const shownDir = partial.endsWith('/') ? partial : partial.slice(0, partial.length - prefix.length);
  return entries
    .filter((e) => e.name.startsWith(prefix) && (prefix.startsWith('.') || !e.name.startsWith('.')))
    .map((e) => shownDir + e.name + (e.isDirectory() ? '/' : ''))
    .sort()
    .slice(0, 50);
}
