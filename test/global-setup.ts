/**
 * Integration tests run the bundled CLI (fast start, the same bits users run). Rebuild when any
 * source file is newer than dist/cli.js, so `npx vitest` alone never tests stale code.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

export default function setup(): void {
  const cli = path.join(root, 'dist', 'cli.js');
  const built = fs.existsSync(cli) ? fs.statSync(cli).mtimeMs : 0;
  if (built < newestMtime(path.join(root, 'src'))) {
    execFileSync(process.execPath, [path.join(root, 'scripts', 'bundle.mjs')], { stdio: 'inherit', timeout: 180_000 });
  }
}
