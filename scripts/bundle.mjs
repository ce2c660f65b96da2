#!/usr/bin/env node
/**
 * Build dist/: src/cli.ts and everything it imports, bundled by esbuild into a few ES modules.
 *
 * Why a bundle and not tsc's one-file-per-module output: Node 20 has no compile cache, and resolving and
 * reading ~1,500 small module files (zod, conf's ajv, ws, commander…) cost ~290 ms before any command
 * ran (`watchparty --version` 0.38 s against 0.09 s for `node -e 0`). A script's `watchparty control`
 * pays that on every call. Bundled, with code splitting, each dynamic `import()` stays a separate
 * chunk (the Ink TUI, the servers), so a command loads only what it uses.
 *
 * Type checking is tsc's job (`npm run typecheck`); esbuild only strips the types.
 */
import { chmodSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist');

/**
 * conf imports ajv (with ajv-formats) for its `schema` option and semver for its `migrations` option at
 * load time: 370 KB of the 690 KB every command compiles before it runs. The profile uses neither, so
 * conf gets a stand-in for each that fails loudly if one is ever used (the integration tests run this
 * bundle, so they would see it).
 */
const confExtras = {
  name: 'conf-without-schema-and-migrations',
  setup(b) {
    b.onResolve({ filter: /^(ajv\/dist\/2020\.js|ajv-formats|semver)$/ }, (args) =>
      /node_modules[\\/]conf[\\/]/.test(args.importer) ? { path: args.path, namespace: 'conf-extras' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'conf-extras' }, (args) => ({
      contents: `const unused = () => { throw new Error(${JSON.stringify(`conf: ${args.path} is left out of the bundle (scripts/bundle.mjs); the profile must not use conf's schema or migrations`)}); };
export class Ajv2020 { constructor() { unused(); } }
export default new Proxy({}, { get: unused });`,
      loader: 'js',
    }));
  },
};

rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [path.join(root, 'src', 'cli.ts')],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  tsconfig: path.join(root, 'tsconfig.json'),
  sourcemap: true,
  // Native addons load their .node files relative to their own package; an optional peer of ws and
  // Ink's devtools hook are not installed. All stay ordinary imports, resolved at run time.
  external: ['better-sqlite3', 'bufferutil', 'utf-8-validate', 'react-devtools-core'],
  // Bundled CommonJS packages (ws, commander…) call require(); give ES modules one.
  banner: { js: "import { createRequire as __wpCreateRequire } from 'node:module'; const require = __wpCreateRequire(import.meta.url);" },
  plugins: [confExtras],
  logLevel: 'warning',
});
chmodSync(path.join(outdir, 'cli.js'), 0o755);
