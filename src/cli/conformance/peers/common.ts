/** Pieces shared by the process-based peer drivers. */
import type { Cell, PeerClientRun, PeerServer } from '../types.js';
import { freePort, start, waitForPort, type Proc } from '../proc.js';

/** A peer client process: `line` goes to its stdin at once (it sends it after the handshake); stdin stays open. */
export function processClient(cmd: string, args: string[], line: string, cwd?: string): PeerClientRun {
  const p = start(cmd, args, cwd ? { cwd } : {});
  p.child.stdin!.write(line);
  return {
    output: p.output,
    exited: p.exited,
    endInput: () => void p.child.stdin!.end(),
    stop: p.stop,
  };
}

/** Separates the output of a resuming client's first connection from its second. */
export const SECOND_CONNECTION = '\n--- second connection ---\n';

/**
 * Two client runs as one, for clients that resume across separate runs (a session file, a session database, a
 * session object): `second` starts once `first` has exited cleanly. A first run that fails or is stopped ends the
 * whole run with its exit code; the output is both outputs joined by SECOND_CONNECTION.
 */
export function oneAfterOther(first: () => PeerClientRun, second: () => PeerClientRun): PeerClientRun {
  let current = first();
  let stopped = false;
  const firstRun = current;
  let secondRun: PeerClientRun | undefined;
  const exited = firstRun.exited.then((code) => {
    if (code !== 0 || stopped) return code;
    secondRun = current = second();
    return secondRun.exited;
  });
  return {
    output: () => (secondRun ? firstRun.output() + SECOND_CONNECTION + secondRun.output() : firstRun.output()),
    exited,
    endInput: () => current.endInput(),
    stop: async () => {
      stopped = true;
      await current.stop();
      await exited;
    },
  };
}

/** The part of a resuming client's output that belongs to its second connection ('' before it started). */
export function secondConnectionOutput(output: string): string {
  const at = output.indexOf(SECOND_CONNECTION);
  return at < 0 ? '' : output.slice(at + SECOND_CONNECTION.length);
}

/**
 * Start a server that cannot report an ephemeral port: reserve a free port, start it there, and wait for its
 * ready line. Another process may grab the port in between; then the peer fails to bind and we try another.
 */
export async function serverOnFreePort(
  launch: (port: number) => { cmd: string; args: string[]; cwd?: string },
  ready: RegExp,
  app: PeerServer['app'],
  opts: { path?: string; probe?: boolean } = {},
): Promise<PeerServer> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const { cmd, args, cwd } = launch(port);
    const p = start(cmd, args, cwd ? { cwd } : {});
    try {
      await p.waitFor(ready, 10000);
      // Some peers announce themselves before listen(): then also wait until a TCP connect succeeds.
      if (opts.probe) await waitForPort(port, 5000, () => p.child.exitCode === null);
      return serverOf(p, port, app, opts.path);
    } catch (e) {
      lastError = new Error(`${e instanceof Error ? e.message : String(e)}\n${cmd} ${args.join(' ')}\n${p.output()}`);
      await p.stop();
      if (!/address already in use|bind/i.test(p.output())) break;
    }
  }
  throw lastError;
}

export function serverOf(p: Proc, port: number, app: PeerServer['app'], path?: string): PeerServer {
  return { port, app, ...(path ? { path } : {}), output: p.output, stop: p.stop };
}

/** TLS 1.0 and 1.1 need security level 0 in OpenSSL 3 (SHA-1 and MD5+SHA-1 signatures). */
export function opensslCipherString(cell: Cell): string {
  return cell.version === 'TLSv1.2' || cell.version === 'TLSv1.3' ? cell.suite.openssl : `${cell.suite.openssl}:@SECLEVEL=0`;
}

/**
 * s_server / s_client arguments pinning the cell's suite: -cipher for TLS 1.0–1.2, -ciphersuites for 1.3 (OpenSSL
 * keeps the two lists apart); in HelloRetryRequest cells the server takes only secp384r1 and the client sends its
 * first share for X25519.
 */
export function opensslSuiteArgs(cell: Cell, side: 'server' | 'client'): string[] {
  const suite = cell.suite.protocol === 'tls13' ? ['-ciphersuites', cell.suite.openssl] : ['-cipher', opensslCipherString(cell)];
  const groups = cell.hrr ? ['-groups', side === 'server' ? 'secp384r1' : 'X25519:secp384r1'] : [];
  return [...suite, ...groups];
}

export const OPENSSL_VERSION_FLAG = { TLSv1: '-tls1', 'TLSv1.1': '-tls1_1', 'TLSv1.2': '-tls1_2', 'TLSv1.3': '-tls1_3' } as const;
