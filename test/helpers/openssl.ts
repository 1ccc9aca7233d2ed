/**
 * Local OpenSSL peers for interop tests: `openssl s_server` on 127.0.0.1 with an ephemeral port and
 * `openssl s_client` runs. Every process started here is tracked; call stopAll() in afterAll.
 *
 * Port choice: OpenSSL 3 accepts `-accept 127.0.0.1:0`, binds an ephemeral port and prints
 * "ACCEPT 127.0.0.1:<port>" only after listen(), so reading that line both names the port and
 * proves the server accepts (no probe connection, which s_server would count as a client).
 */
import { spawnSync } from 'node:child_process';
// One process tracker for the whole project: the conformance harness's (it stops what it started on exit too).
import { HOST, start, stopAll as stopAllProcesses, type Proc } from '../../src/cli/conformance/proc.js';

// The harness's port helpers, for tests that start peers of their own.
export { freePort, waitForPort } from '../../src/cli/conformance/proc.js';

const OPENSSL = process.env.OPENSSL ?? 'openssl';

/** True if an openssl binary runs here (for describe.skipIf). */
export function opensslAvailable(): boolean {
  const r = spawnSync(OPENSSL, ['version'], { encoding: 'utf8' });
  return r.status === 0;
}

/** Stop every peer process the tests started (openssl here, and any other started through the same tracker). */
export async function stopAll(): Promise<void> {
  await stopAllProcesses();
}

export interface ServerOptions {
  /** Extra s_server arguments, e.g. ['-tls1_2', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256', '-www']. */
  args?: string[];
  /** Paths; the certificate and key may be given here or in args. */
  cert?: string;
  key?: string;
  /** Intermediates sent after the leaf (-cert_chain). */
  chain?: string;
  /** How long to wait for the ACCEPT line. */
  readyTimeoutMs?: number;
  /** Environment of the process (default: ours), e.g. OPENSSL_CONF for options s_server has no flag for. */
  env?: NodeJS.ProcessEnv;
}

export interface RunningServer {
  port: number;
  /** Everything s_server wrote so far (stdout and stderr, interleaved as received). */
  output(): string;
  /** Write to s_server's stdin (sent to the connected client in the default echo mode). */
  write(text: string): void;
  stop(): Promise<void>;
}

export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
  const args = ['s_server', '-accept', `${HOST}:0`];
  if (opts.cert) args.push('-cert', opts.cert);
  if (opts.key) args.push('-key', opts.key);
  if (opts.chain) args.push('-cert_chain', opts.chain);
  args.push(...(opts.args ?? []));
  const proc: Proc = start(OPENSSL, args, opts.env ? { env: opts.env } : {});
  const timeoutMs = opts.readyTimeoutMs ?? 10000;
  let port: number;
  try {
    port = Number((await proc.waitFor(/^ACCEPT\s+\S*?:(\d+)\s*$/m, timeoutMs))[1]);
  } catch (e) {
    await proc.stop();
    throw new Error(`s_server did not report a port: ${(e as Error).message}\nargs: ${args.join(' ')}\noutput:\n${proc.output()}`);
  }
  return {
    port,
    output: proc.output,
    write: (text) => void proc.child.stdin!.write(text),
    stop: proc.stop,
  };
}

export interface ClientOptions {
  port: number;
  /** Extra s_client arguments, e.g. ['-tls1_2', '-CAfile', pki.caPath, '-verify_return_error']. */
  args?: string[];
  /** Written to stdin, which is then closed (s_client finishes at EOF unless given -ign_eof). */
  input?: string;
  timeoutMs?: number;
  /** Environment of the process (default: ours). */
  env?: NodeJS.ProcessEnv;
}

export interface ClientResult {
  /** Exit code; null if killed (timeout). */
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export async function runClient(opts: ClientOptions): Promise<ClientResult> {
  const args = ['s_client', '-connect', `${HOST}:${opts.port}`, ...(opts.args ?? [])];
  const proc = start(OPENSSL, args, opts.env ? { env: opts.env } : {});
  let stdout = '';
  let stderr = '';
  proc.child.stdout!.on('data', (d: Buffer) => (stdout += d.toString('latin1')));
  proc.child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('latin1')));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void proc.stop();
  }, opts.timeoutMs ?? 15000);
  proc.child.stdin!.end(opts.input ?? '');
  // The tracker resolves on 'close': all output has been read by then.
  const code = await proc.exited;
  clearTimeout(timer);
  return { code, stdout, stderr, timedOut };
}
