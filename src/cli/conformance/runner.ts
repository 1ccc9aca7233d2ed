/** Runs cells with bounded concurrency and shows progress: a live bar on a TTY, a plain line every N cells otherwise. */
import { runCell, type CellOptions } from './cell.js';
import { DRIVERS } from './peers/index.js';
import type { Cell, CellResult } from './types.js';

export interface Progress {
  update(done: number, total: number, results: readonly CellResult[]): void;
  finish(): void;
}

export interface RunOptions extends CellOptions {
  concurrency: number;
  progress?: Progress;
}

/** fn over items, at most `limit` running at a time; the results in the items' order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

export async function runMatrix(cells: readonly Cell[], opts: RunOptions): Promise<CellResult[]> {
  const finished: CellResult[] = [];
  const results = await mapLimit(cells, opts.concurrency, async (cell) => {
    const r = await runCell(DRIVERS[cell.peer], cell, opts);
    finished.push(r);
    opts.progress?.update(finished.length, cells.length, finished);
    return r;
  });
  opts.progress?.finish();
  return results;
}

function counts(results: readonly CellResult[]): string {
  let pass = 0;
  let fail = 0;
  let unsup = 0;
  for (const r of results) {
    if (r.result === 'pass') pass++;
    else if (r.result === 'fail') fail++;
    else unsup++;
  }
  return `${pass} pass, ${fail} fail, ${unsup} unsupported`;
}

/** Where text goes: process.stdout / process.stderr, or anything with write() (tests). */
export interface TextSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** A progress display on `out`: a redrawn bar when it is a TTY, otherwise a line every `every` cells. */
export function progressOn(out: TextSink, every = 50): Progress {
  const t0 = Date.now();
  if (out.isTTY) {
    let last = 0;
    return {
      update(done, total, results) {
        const now = Date.now();
        if (done < total && now - last < 100) return;
        last = now;
        const width = 30;
        const filled = Math.round((done / total) * width);
        const cell = results[results.length - 1]!.cell;
        const label = `${cell.peer} ${cell.peerRole} ${cell.version} ${cell.suite.name}`.slice(0, 48);
        out.write(`\r\x1b[K[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} ${counts(results)} ${((now - t0) / 1000).toFixed(0)}s ${label}`);
      },
      finish() {
        out.write('\r\x1b[K');
      },
    };
  }
  return {
    update(done, total, results) {
      if (done % every === 0 || done === total) out.write(`conformance: ${done}/${total} cells (${counts(results)}) ${((Date.now() - t0) / 1000).toFixed(0)}s\n`);
    },
    finish() {},
  };
}
