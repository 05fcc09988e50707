// Bundles the Amplify v6 page (amplify/) into the folder given as the first
// argument or $OUT_DIR (default dist/amplify) with esbuild: index.html and app.js.
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const outdir = path.resolve(process.argv[2] ?? process.env.OUT_DIR ?? path.join(here, 'dist', 'amplify'));
await mkdir(outdir, { recursive: true });
await build({
  entryPoints: [path.join(here, 'amplify', 'app.js')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  outfile: path.join(outdir, 'app.js'),
  define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
  logLevel: 'warning',
});
await copyFile(path.join(here, 'amplify', 'index.html'), path.join(outdir, 'index.html'));
process.stderr.write(`built ${outdir}\n`);
