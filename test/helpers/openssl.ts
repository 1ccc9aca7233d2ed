/**
 * Local OpenSSL peers for interop tests: `openssl s_server` on 127.0.0.1 with an ephemeral port and
 * `openssl s_client` runs. Every process started here is tracked; call stopAll() in afterAll.
 *
 * Port choice: OpenSSL 3 accepts `-accept 127.0.0.1:0`, binds an ephemeral port and prints
 * "ACCEPT 127.0.0.1:<port>" only after listen(), so reading that line both names the port and
 * proves the server accepts (no probe connection, which s_server would count as a client).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';

const OPENSSL = process.env.OPENSSL ?? 'openssl';
const HOST = '127.0.0.1';

const live = new Set<ChildProcess>();

/** True if an openssl binary runs here (for describe.skipIf). */
export function opensslAvailable(): boolean {
  const r = spawnSync(OPENSSL, ['version'], { encoding: 'utf8' });
  return r.status === 0;
}

/** Start a process and remember it until it exits. */
function track(args: string[], cwd?: string): ChildProcess {
  const child = spawn(OPENSSL, args, { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  // An EPIPE when a child dies before reading its stdin must not crash the test run.
  child.stdin?.on('error', () => {});
  return child;
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** SIGTERM, then SIGKILL if it has not exited within graceMs. */
async function kill(child: ChildProcess, graceMs = 2000): Promise<void> {
  if (exited(child)) return;
  const done = new Promise<void>((res) => child.once('exit', () => res()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (!exited(child)) child.kill('SIGKILL');
  }, graceMs);
  await done;
  clearTimeout(timer);
}

/** Stop every openssl process this module started. */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((c) => kill(c)));
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
  const child = track(args);
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`s_server did not report a port within ${opts.readyTimeoutMs ?? 10000} ms`)), opts.readyTimeoutMs ?? 10000);
    function fail(e: Error): void {
      clearTimeout(timer);
      void kill(child);
      reject(new Error(`${e.message}\nargs: ${args.join(' ')}\noutput:\n${out}`));
    }
    const onData = (d: Buffer): void => {
      out += d.toString('latin1');
      const m = /^ACCEPT\s+\S*?:(\d+)\s*$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', (e) => fail(e));
    child.once('exit', (code, sig) => fail(new Error(`s_server exited early (code ${code}, signal ${sig})`)));
  });
  return {
    port,
    output: () => out,
    write: (text) => void child.stdin!.write(text),
    stop: () => kill(child),
  };
}

export interface ClientOptions {
  port: number;
  /** Extra s_client arguments, e.g. ['-tls1_2', '-CAfile', pki.caPath, '-verify_return_error']. */
  args?: string[];
  /** Written to stdin, which is then closed (s_client finishes at EOF unless given -ign_eof). */
  input?: string;
  timeoutMs?: number;
}

export interface ClientResult {
  /** Exit code; null if killed (timeout). */
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export function runClient(opts: ClientOptions): Promise<ClientResult> {
  const args = ['s_client', '-connect', `${HOST}:${opts.port}`, ...(opts.args ?? [])];
  const child = track(args);
  let stdout = '';
  let stderr = '';
  let timedOut = false;
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString('latin1')));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('latin1')));
  const timer = setTimeout(() => {
    timedOut = true;
    void kill(child);
  }, opts.timeoutMs ?? 15000);
  child.stdin!.end(opts.input ?? '');
  return new Promise((resolve, reject) => {
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    // 'close' rather than 'exit': all output has been read by then.
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

/** A port free on 127.0.0.1 right now (the OS may hand it out again: bind promptly, retry on EADDRINUSE). */
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

/** Resolve once something accepts TCP connections on 127.0.0.1:port; reject after timeoutMs. */
export async function waitForPort(port: number, timeoutMs = 10000): Promise<void> {
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
    if (Date.now() > deadline) throw new Error(`nothing accepted on ${HOST}:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
