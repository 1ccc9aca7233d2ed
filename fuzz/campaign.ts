/** The fuzz loop shared by `npm run fuzz` (long runs) and the bounded run in the test suite. */
import { Rng } from './rng.js';
import { Corpus, makeMutator } from './mutate.js';
import { record, runPair, runReplay, type Recording, type RunResult, type Side } from './harness.js';
import { loadPki, scenarios, type Scenario } from './scenarios.js';
import { toHex } from '../src/handshake/codec.js';

export type Mode = 'live' | 'replay-client' | 'replay-server';

/** A regression vector: what one side received (replayable alone), and why it was kept. */
export interface Vector {
  name: string;
  scenario: string;
  mode: Mode;
  iterationSeed: number;
  violations: string[];
  mutations: string[];
  /** What the vector found and what fixed it (kept vectors). */
  note?: string;
  sides: { side: Side; seed: number; inputs: string[] }[];
}

export interface CampaignOptions {
  repoRoot: string;
  seed: number;
  iterations?: number;
  durationMs?: number;
  onCrash?: (v: Vector) => void;
  onProgress?: (s: CampaignStats) => void;
  /** Heap samples (after a full GC when one can be forced) every this many iterations. Default 500. */
  heapEvery?: number;
}

export interface CampaignStats {
  iterations: number;
  elapsedMs: number;
  crashes: number;
  byMode: Record<Mode, number>;
  /** Failure codes seen, with counts (how much of the table the mutations reach). */
  codes: Record<string, number>;
  heapSamples: number[];
}

export interface Setup {
  scenarios: Scenario[];
  recordings: Map<string, Recording>;
  corpus: Corpus;
}

export async function setup(repoRoot: string): Promise<Setup> {
  const scs = scenarios(loadPki(repoRoot));
  const recordings = new Map<string, Recording>();
  const corpus = new Corpus();
  for (const sc of scs) {
    const r = await record(sc, 1);
    recordings.set(sc.name, r);
    for (const f of [...r.toClient, ...r.toServer]) corpus.add(f);
  }
  return { scenarios: scs, recordings, corpus };
}

function pickScenario(rng: Rng, scs: Scenario[]): Scenario {
  const total = scs.reduce((n, s) => n + s.weight, 0);
  let x = rng.int(total);
  for (const s of scs) {
    if ((x -= s.weight) < 0) return s;
  }
  return scs[0]!;
}

/** One iteration, fully determined by its seed. */
export async function iteration(st: Setup, seed: number): Promise<{ mode: Mode; scenario: Scenario; run: RunResult; log: string[] }> {
  const rng = new Rng(seed);
  const scenario = pickScenario(rng, st.scenarios);
  const mode = rng.pick<Mode>(['live', 'live', 'replay-client', 'replay-server', 'replay-client', 'replay-server']);
  const log: string[] = [];
  const rec = st.recordings.get(scenario.name)!;
  let run: RunResult;
  if (mode === 'live') {
    run = await runPair(scenario, seed, makeMutator(rng, st.corpus, log, { stages: 9 }));
  } else {
    const side: Side = mode === 'replay-client' ? 'client' : 'server';
    const flights = side === 'client' ? rec.toClient : rec.toServer;
    run = await runReplay(scenario, side, rec.seed, flights, makeMutator(rng, st.corpus, log, { stages: flights.length, rate: 0.1 }));
  }
  return { mode, scenario, run, log };
}

function heapUsed(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  return process.memoryUsage().heapUsed;
}

export function toVector(mode: Mode, scenario: Scenario, seed: number, run: RunResult, log: string[], recSeed: number): Vector {
  const sides: Vector['sides'] = [];
  for (const side of ['client', 'server'] as const) {
    const r = run[side];
    if (r.state === 'absent') continue;
    // The seed runReplay() takes for this side: the iteration's in a live run, the recording's in a replay.
    sides.push({ side, seed: mode === 'live' ? seed : recSeed, inputs: r.inputs.map(toHex) });
  }
  return { name: `${scenario.name}-${mode}-${seed}`, scenario: scenario.name, mode, iterationSeed: seed, violations: run.violations, mutations: log, sides };
}

export async function campaign(o: CampaignOptions): Promise<CampaignStats> {
  const st = await setup(o.repoRoot);
  const t0 = Date.now();
  const stats: CampaignStats = { iterations: 0, elapsedMs: 0, crashes: 0, byMode: { live: 0, 'replay-client': 0, 'replay-server': 0 }, codes: {}, heapSamples: [heapUsed()] };
  const heapEvery = o.heapEvery ?? 500;
  for (let i = 0; ; i++) {
    if (o.iterations !== undefined && i >= o.iterations) break;
    if (o.durationMs !== undefined && Date.now() - t0 >= o.durationMs) break;
    const seed = (o.seed + i) >>> 0;
    const { mode, scenario, run, log } = await iteration(st, seed);
    stats.iterations++;
    stats.byMode[mode]++;
    for (const side of ['client', 'server'] as const) {
      const code = (run[side].error as { code?: string } | null)?.code;
      if (code) stats.codes[code] = (stats.codes[code] ?? 0) + 1;
    }
    if (run.violations.length) {
      stats.crashes++;
      o.onCrash?.(toVector(mode, scenario, seed, run, log, st.recordings.get(scenario.name)!.seed));
    }
    if (stats.iterations % heapEvery === 0) {
      stats.heapSamples.push(heapUsed());
      stats.elapsedMs = Date.now() - t0;
      o.onProgress?.(stats);
    }
  }
  stats.elapsedMs = Date.now() - t0;
  stats.heapSamples.push(heapUsed());
  return stats;
}
