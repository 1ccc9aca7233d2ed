#!/usr/bin/env node
/**
 * Browser bundle: dist/browser/puretls.js, one minified ESM file with the portable library (src/web.ts, what
 * bundlers get for `import 'puretls'` under the browser condition). Reaching a Node-only module (src/transport/node*)
 * or a Node built-in fails the build, naming the importer, so nothing Node-only can slip into what browsers load.
 * Usage: node scripts/build-browser.mjs [--outfile FILE] [--entry FILE] [--quiet]
 */
import { build } from 'esbuild';
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const outIdx = args.indexOf('--outfile');
const outfile = path.resolve(root, outIdx >= 0 ? args[outIdx + 1] : 'dist/browser/puretls.js');
const entryIdx = args.indexOf('--entry');
const entry = path.resolve(root, entryIdx >= 0 ? args[entryIdx + 1] : 'src/web.ts');
const quiet = args.includes('--quiet');

const browserOnly = {
  name: 'browser-only',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]transport[\\/]node[a-z-]*\.ts$/ }, (a) => ({
      errors: [{ text: `${path.relative(root, a.path)} is Node-only: the browser bundle must not reach it` }],
    }));
    const builtins = /^(node:|(assert|buffer|child_process|crypto|dns|events|fs|http|https|net|os|path|stream|tls|url|util|zlib)(\/.*)?$)/;
    b.onResolve({ filter: builtins }, (a) => ({
      errors: [{ text: `Node built-in '${a.path}' reached from ${path.relative(root, a.importer)}: the browser bundle must not import it` }],
    }));
  },
};

mkdirSync(path.dirname(outfile), { recursive: true });
const result = await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  metafile: true,
  legalComments: 'eof',
  logLevel: quiet ? 'silent' : 'warning',
  plugins: [browserOnly],
}).catch((e) => {
  console.error(`build-browser: failed\n${(e.errors ?? []).map((x) => `  ${x.text}`).join('\n') || e.message}`);
  process.exit(1);
});

const bytes = statSync(outfile).size;
const gz = gzipSync(readFileSync(outfile)).length;
if (!quiet) console.log(`build-browser: ${path.relative(root, outfile)} ${(bytes / 1024).toFixed(1)} KiB (${(gz / 1024).toFixed(1)} KiB gzip), ${Object.keys(result.metafile.inputs).length} modules`);
