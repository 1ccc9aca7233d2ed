/**
 * GnuTLS peers for interop tests: `gnutls-serv` on a free port (it listens on all interfaces; tests reach it only
 * on 127.0.0.1). Every process started here is tracked; call stopAllGnutls() in afterAll.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { freePort } from './openssl.js';

const live = new Set<ChildProcess>();

export function gnutlsAvailable(): boolean {
  return spawnSync('gnutls-serv', ['--version'], { encoding: 'utf8' }).status === 0;
}

export interface GnutlsServer {
  port: number;
  output(): string;
  stop(): Promise<void>;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 2000);
  await done;
  clearTimeout(t);
}

/** Start gnutls-serv (HTTP mode by default) with a certificate chain, key and priority string. */
export async function startGnutlsServer(o: { certChain: string; key: string; priority: string; args?: string[] }): Promise<GnutlsServer> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const child = spawn(
      'gnutls-serv',
      ['--http', '-p', String(port), '--x509certfile', o.certChain, '--x509keyfile', o.key, '--priority', o.priority, ...(o.args ?? [])],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    live.add(child);
    child.once('exit', () => live.delete(child));
    let out = '';
    const ok = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 10_000);
      const onData = (d: Buffer) => {
        out += d.toString('latin1');
        if (/listening on IPv4 .*done/.test(out)) {
          clearTimeout(timer);
          resolve(true);
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    if (ok) return { port, output: () => out, stop: () => stop(child) };
    await stop(child);
    if (attempt >= 3 || !/in use|bind/i.test(out)) throw new Error(`gnutls-serv did not start:\n${out}`);
  }
}

export async function stopAllGnutls(): Promise<void> {
  await Promise.all([...live].map(stop));
}
