/**
 * The long fuzz run: `npm run fuzz -- --minutes N [--seed S] [--iterations K]`; `--reproduce SEED` reruns one iteration.
 * Each crash (an invariant broken, see harness.ts) is written to vectors/regressions/<name>.json, which
 * test/hostile/regressions.test.ts replays; the exit code is 1 when there were crashes.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { campaign, iteration, setup, toVector, type Vector } from './campaign.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

// Heap samples are only comparable after a full collection.
if (!(globalThis as { gc?: unknown }).gc) {
  v8.setFlagsFromString('--expose-gc');
  (globalThis as { gc?: unknown }).gc = vm.runInNewContext('gc');
}

const repoRoot = path.resolve(path.dirname(process.argv[1]!), '..');
const minutes = Number(arg('minutes') ?? 1);
const iterations = arg('iterations') !== undefined ? Number(arg('iterations')) : undefined;
const seed = Number(arg('seed') ?? Date.now() % 0x7fffffff);
const outDir = path.join(repoRoot, 'vectors/regressions');
const mb = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;

const save = (v: Vector) => {
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `${v.name}.json`);
  writeFileSync(file, JSON.stringify(v, null, 1) + '\n');
  return file;
};

// `--reproduce SEED`: run that one iteration again, print it and keep it as a regression vector.
if (arg('reproduce') !== undefined) {
  const s = Number(arg('reproduce'));
  const st = await setup(repoRoot);
  const { mode, scenario, run, log } = await iteration(st, s);
  const v = toVector(mode, scenario, s, run, log, st.recordings.get(scenario.name)!.seed);
  const code = (side: 'client' | 'server') => (run[side].error as { code?: string } | null)?.code ?? run[side].state;
  console.log(`${v.name}: client ${code('client')}, server ${code('server')}\n  mutations: ${log.join(', ')}\n  violations: ${run.violations.join('; ') || 'none'}`);
  console.log(`saved ${save(v)}`);
  process.exit(0);
}

console.log(`fuzz: seed ${seed}, ${iterations !== undefined ? `${iterations} iterations` : `${minutes} minute(s)`}`);
const stats = await campaign({
  repoRoot,
  seed,
  ...(iterations !== undefined ? { iterations } : { durationMs: minutes * 60_000 }),
  onCrash: (v) => {
    console.log(`CRASH ${v.name}: ${v.violations.join('; ')}\n  mutations: ${v.mutations.join(', ')}\n  saved ${save(v)}`);
  },
  onProgress: (s) => {
    console.log(`  ${s.iterations} runs, ${(s.iterations / (s.elapsedMs / 1000)).toFixed(0)}/s, ${s.crashes} crash(es), heap ${mb(s.heapSamples[s.heapSamples.length - 1]!)}`);
  },
});
const rate = stats.iterations / (stats.elapsedMs / 1000);
const heap = stats.heapSamples;
console.log(
  `done: ${stats.iterations} runs in ${(stats.elapsedMs / 1000).toFixed(1)} s (${rate.toFixed(1)}/s; live ${stats.byMode.live}, replay-client ${stats.byMode['replay-client']}, replay-server ${stats.byMode['replay-server']}), ${stats.crashes} crash(es)`,
);
console.log(`heap: first ${mb(heap[0]!)}, min ${mb(Math.min(...heap))}, max ${mb(Math.max(...heap))}, last ${mb(heap[heap.length - 1]!)}`);
console.log('codes:', Object.entries(stats.codes).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', '));
process.exitCode = stats.crashes ? 1 : 0;
