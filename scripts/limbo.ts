/**
 * npm run limbo [-- --json FILE] [--verbose]: run C2SP x509-limbo (../shared/vectors/x509-limbo) through
 * verifyCertificateChain and print right / false-accept / false-reject totals, overall and per id prefix.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { runLimboCase, tally, type LimboCase } from '../src/x509/limbo.js';

// run-ts.mjs bundles this file elsewhere but sets argv[1] to the original path.
const repoRoot = path.resolve(path.dirname(process.argv[1]!), '..');
const file = path.resolve(repoRoot, '../shared/vectors/x509-limbo/limbo-dev.json.gz');
const args = process.argv.slice(2);
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;
const verbose = args.includes('--verbose');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;

if (!existsSync(file)) {
  console.log(`external suites not found, skipping: ${file}`);
  process.exit(0);
}
const suite = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as { testcases: LimboCase[] };
const cases = only ? suite.testcases.filter((c) => c.id.includes(only)) : suite.testcases;
const t0 = performance.now();
const results = cases.map(runLimboCase);
const t = tally(results);
for (const r of results) {
  if (r.actual_result !== r.expected && (verbose || r.actual_result === 'SUCCESS')) {
    console.log(`${r.actual_result === 'SUCCESS' ? 'FALSE ACCEPT' : 'false reject'} ${r.id}: ${r.context}`);
  }
}
console.log('\nprefix           total   right  f-accept  f-reject');
for (const [p, s] of [...t.byPrefix].sort()) {
  console.log(`${p.padEnd(16)} ${String(s.total).padStart(5)} ${String(s.right).padStart(7)} ${String(s.falseAccept).padStart(9)} ${String(s.falseReject).padStart(9)}`);
}
console.log(`\n${t.right}/${t.total} right (${((100 * t.right) / t.total).toFixed(2)}%), ${t.falseAccept} false accepts, ` +
  `${t.falseReject} false rejects, ${t.skipped} skipped, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
if (jsonOut) {
  const out = {
    version: 1,
    harness: 'puretls',
    results: results.map((r) => ({ id: r.id, actual_result: r.actual_result, context: r.context })),
  };
  writeFileSync(jsonOut, JSON.stringify(out, null, 1));
  console.log(`wrote ${jsonOut}`);
}
