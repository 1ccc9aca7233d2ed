/**
 * npm run limbo [-- --profile webpki|rfc5280|both] [--json FILE] [--verbose] [--only TEXT]: run C2SP x509-limbo
 * (../shared/vectors/x509-limbo) through verifyCertificateChain under each profile and print right / false-accept /
 * false-reject totals (overall and per id prefix), the slowest case, and every false accept under the rule it samples.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { runLimboCase, tally, ruleOf, type LimboCase } from '../src/x509/limbo.js';
import type { VerifyProfile } from '../src/x509/verify.js';

// run-ts.mjs bundles this file elsewhere but sets argv[1] to the original path.
const repoRoot = path.resolve(path.dirname(process.argv[1]!), '..');
const file = path.resolve(repoRoot, '../shared/vectors/x509-limbo/limbo-dev.json.gz');
const args = process.argv.slice(2);
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;
const verbose = args.includes('--verbose');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const profileArg = args.includes('--profile') ? args[args.indexOf('--profile') + 1] : 'both';
if (!['webpki', 'rfc5280', 'both'].includes(profileArg!)) {
  console.error(`--profile must be webpki, rfc5280 or both (got ${profileArg})`);
  process.exit(2);
}
const profiles: VerifyProfile[] = profileArg === 'both' ? ['webpki', 'rfc5280'] : [profileArg as VerifyProfile];

if (!existsSync(file)) {
  console.log(`external suites not found, skipping: ${file}`);
  process.exit(0);
}
const suite = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as { testcases: LimboCase[] };
const cases = only ? suite.testcases.filter((c) => c.id.includes(only)) : suite.testcases;
const jsonRows: { profile: string; results: unknown[] }[] = [];
for (const profile of profiles) {
  const t0 = performance.now();
  const results = cases.map((c) => runLimboCase(c, profile));
  const t = tally(results);
  console.log(`\n=== profile '${profile}' ===`);
  const byId = new Map(cases.map((c) => [c.id, c]));
  const accepts = new Map<string, string[]>();
  for (const r of results) {
    if (r.actual_result === r.expected) continue;
    if (r.actual_result === 'SUCCESS') {
      const rule = ruleOf(byId.get(r.id)!);
      accepts.set(rule, [...(accepts.get(rule) ?? []), r.id]);
    } else if (verbose) console.log(`false reject ${r.id}: ${r.context}`);
  }
  if (accepts.size) console.log('false accepts, by the rule that should have caught them:');
  for (const [rule, ids] of [...accepts].sort()) console.log(`  ${rule}: ${ids.join(', ')}`);
  console.log('\nprefix           total   right  f-accept  f-reject');
  for (const [p, s] of [...t.byPrefix].sort()) {
    console.log(`${p.padEnd(16)} ${String(s.total).padStart(5)} ${String(s.right).padStart(7)} ${String(s.falseAccept).padStart(9)} ${String(s.falseReject).padStart(9)}`);
  }
  console.log(`\n[${profile}] ${t.right}/${t.total} right (${((100 * t.right) / t.total).toFixed(2)}%), ${t.falseAccept} false accepts, ` +
    `${t.falseReject} false rejects, ${t.skipped} skipped; slowest case ${t.slowest.ms.toFixed(1)} ms (${t.slowest.id}); ` +
    `${((performance.now() - t0) / 1000).toFixed(1)} s`);
  jsonRows.push({ profile, results: results.map((r) => ({ id: r.id, actual_result: r.actual_result, context: r.context })) });
}
if (jsonOut) {
  const out = profiles.length === 1
    ? { version: 1, harness: `puretls (${profiles[0]})`, results: jsonRows[0]!.results }
    : { version: 1, harness: 'puretls', profiles: jsonRows };
  writeFileSync(jsonOut, JSON.stringify(out, null, 1));
  console.log(`wrote ${jsonOut}`);
}
