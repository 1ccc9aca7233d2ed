/**
 * `node scripts/run-ts.mjs scripts/speed-table.ts FILE [--readme README.md] [--print]`: rewrites the README's
 * "Speed" table (between the speed-table markers) from one `npm run bench -- --json FILE` run. --print writes the
 * generated Markdown to stdout instead of the README.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseReport, renderSpeedTable, replaceSection } from '../bench/speed-table.js';

// run-ts.mjs bundles this file elsewhere but sets argv[1] to the original path.
const repoRoot = path.resolve(path.dirname(process.argv[1]!), '..');
const args = process.argv.slice(2);
const file = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--readme');
if (!file) {
  console.error('usage: node scripts/run-ts.mjs scripts/speed-table.ts BENCH.json [--readme README.md] [--print]');
  process.exit(2);
}
const readmePath = args.includes('--readme') ? path.resolve(args[args.indexOf('--readme') + 1]!) : path.join(repoRoot, 'README.md');
const generated = renderSpeedTable(parseReport(readFileSync(file, 'utf8')), path.basename(file));
if (args.includes('--print')) {
  console.log(generated);
} else {
  writeFileSync(readmePath, replaceSection(readFileSync(readmePath, 'utf8'), generated));
  console.log(`rewrote the Speed table in ${path.relative(process.cwd(), readmePath) || readmePath} from ${file}`);
}
