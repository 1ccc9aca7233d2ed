/**
 * Child processes and ports for peers. Every process started here is tracked so that stopAll() (run at the end,
 * on errors, and on SIGINT/SIGTERM) leaves nothing behind. Peers listen on 127.0.0.1 and are reached only there.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { WorkDir } from './types.js';

export const HOST = '127.0.0.1';

const live = new Set<ChildProcess>();
const dirs = new Set<string>();

export interface Proc {
  child: ChildProcess;
  /** stdout and stderr, interleaved as received. */
  output(): string;
  exited: Promise<number | null>;
  /** Resolves when the output matches (with the match), rejects when the process exits first or on timeout. */
  waitFor(re: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  stop(): Promise<void>;
}

export function commandExists(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** First line of a command's output, or '' when it does not run. */
export function firstLine(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n')[0]!.trim();
}

export function start(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Proc {
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
  live.add(child);
  let out = '';
  const watchers = new Set<() => void>();
  const onData = (d: Buffer): void => {
    out += d.toString('latin1');
    for (const w of [...watchers]) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  // A peer that dies before reading its input must not crash the harness with EPIPE.
  child.stdin!.on('error', () => {});
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (e) => {
      out += `\n[spawn ${cmd}: ${e.message}]`;
      live.delete(child);
      resolve(null);
    });
    child.once('close', (code) => {
      live.delete(child);
      resolve(code);
    });
  });
  const waitFor = (re: RegExp, timeoutMs: number): Promise<RegExpExecArray> =>
    new Promise((resolve, reject) => {
      const done = (): void => {
        watchers.delete(check);
        clearTimeout(timer);
      };
      const check = (): void => {
        const m = re.exec(out);
        if (m) {
          done();
          resolve(m);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${re}`));
      }, timeoutMs);
      watchers.add(check);
      check();
      void exited.then((code) => {
        if (!watchers.has(check)) return;
        check();
        if (!watchers.has(check)) return;
        done();
        reject(new Error(`${cmd} exited (code ${code}) before printing ${re}`));
      });
    });
  return { child, output: () => out, exited, waitFor, stop: () => kill(child) };
}

function gone(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null || !live.has(child);
}

/** SIGTERM, then SIGKILL after graceMs. */
export async function kill(child: ChildProcess, graceMs = 1500): Promise<void> {
  if (gone(child)) return;
  const done = new Promise<void>((res) => child.once('close', () => res()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (!gone(child)) child.kill('SIGKILL');
  }, graceMs);
  await done;
  clearTimeout(timer);
}

/** Stop every process this module started and remove every work directory. */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((c) => kill(c)));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs.clear();
}

let hooked = false;
/** On Ctrl-C or SIGTERM: stop the peers, then exit with the conventional status. */
export function stopOnSignals(): void {
  if (hooked) return;
  hooked = true;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      void stopAll().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
    });
  }
  // Synchronous last resort if the process exits some other way.
  process.once('exit', () => {
    for (const c of live) c.kill('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
}

export function workDir(): WorkDir & { remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'puretls-conf-'));
  dirs.add(dir);
  return {
    path: dir,
    file(name, text) {
      const p = path.join(dir, name);
      mkdirSync(path.dirname(p), { recursive: true });
      writeFileSync(p, text);
      return p;
    },
    remove() {
      dirs.delete(dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A port free on 127.0.0.1 right now, for peers that cannot report an ephemeral port of their own.
 * The OS may hand it out again before the peer binds; callers retry a start that fails to bind.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolve once something accepts TCP on 127.0.0.1:port (a bare connect; peers used here ignore it). */
export async function waitForPort(port: number, timeoutMs: number, alive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: HOST, port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (!alive()) throw new Error(`the peer exited before listening on ${HOST}:${port}`);
    if (Date.now() > deadline) throw new Error(`nothing accepted on ${HOST}:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 40));
  }
}
