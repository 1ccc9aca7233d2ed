/**
 * The puretls CLI run from source (scripts/run-ts.mjs src/cli/main.ts) in tests: one-shot commands (runCli) and
 * long-running ones that print "listening on HOST:PORT" (startCli: serve, relay). Every child is tracked until it
 * ends; stopCli() kills those still running (each test file calls it in afterAll).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './pki.js';

export const CLI = [path.join(repoRoot, 'scripts/run-ts.mjs'), path.join(repoRoot, 'src/cli/main.ts')];
const children = new Set<ChildProcess>();

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `puretls ARGS` with `input` on its stdin; killed (SIGKILL) after `timeoutMs`. */
export function runCli(args: string[], input = '', timeoutMs = 20000): Promise<CliRun> {
  const child = track(spawn(process.execPath, [...CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] }));
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdin!.on('error', () => {});
  child.stdin!.end(input);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

export interface CliDaemon {
  port: number;
  child: ChildProcess;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** Kills it (SIGKILL). */
  stop(): void;
}

/**
 * Starts `puretls ARGS` and waits (up to 20 s) for its "listening on [ws://]HOST:PORT" line on stderr. Its stdout
 * is a pipe nobody reads unless `stdout: 'ignore'`.
 */
export async function startCli(args: string[], o: { stdout?: 'pipe' | 'ignore' } = {}): Promise<CliDaemon> {
  const child = track(spawn(process.execPath, [...CLI, ...args], { stdio: ['ignore', o.stdout ?? 'pipe', 'pipe'] }));
  let err = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line: ${err}`)), 20000);
    child.stderr!.on('data', (d) => {
      err += d;
      const m = /listening on (?:ws:\/\/)?[^\s]*:(\d+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (c) => {
      clearTimeout(timer);
      reject(new Error(`exited ${c}: ${err}`));
    });
  });
  return { port, child, stderr: () => err, stop: () => child.kill('SIGKILL') };
}

/** Kills every CLI child still running. */
export function stopCli(): void {
  for (const c of children) c.kill('SIGKILL');
}
