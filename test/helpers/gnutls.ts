/**
 * GnuTLS peers for interop tests: `gnutls-serv` on a free port (it listens on all interfaces; tests reach it only
 * on 127.0.0.1). Processes go through the project's one tracker; call stopAllGnutls() (or stopAll) in afterAll.
 */
import { spawnSync } from 'node:child_process';
import { freePort, stopAll } from './openssl.js';
import { start } from '../../src/cli/conformance/proc.js';

export function gnutlsAvailable(): boolean {
  return spawnSync('gnutls-serv', ['--version'], { encoding: 'utf8' }).status === 0;
}

export interface GnutlsServer {
  port: number;
  output(): string;
  stop(): Promise<void>;
}

/** Start gnutls-serv (HTTP mode by default) with a certificate chain, key and priority string. */
export async function startGnutlsServer(o: { certChain: string; key: string; priority: string; args?: string[] }): Promise<GnutlsServer> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const proc = start('gnutls-serv', [
      '--http', '-p', String(port), '--x509certfile', o.certChain, '--x509keyfile', o.key, '--priority', o.priority, ...(o.args ?? []),
    ]);
    try {
      await proc.waitFor(/listening on IPv4 .*done/, 10_000);
      return { port, output: proc.output, stop: proc.stop };
    } catch (e) {
      await proc.stop();
      // Another process may have taken the port between freePort() and the bind: try another one.
      if (attempt >= 3 || !/in use|bind/i.test(proc.output())) throw new Error(`gnutls-serv did not start: ${(e as Error).message}\n${proc.output()}`);
    }
  }
}

export const stopAllGnutls = stopAll;
