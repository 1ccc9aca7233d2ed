/**
 * accept() listening on 127.0.0.1 (node:net, ephemeral port) for interop tests: by default each connection greets the
 * client, echoes one line back, then closes with close_notify; a test may pass its own serve function. Outcomes
 * (what serve returns, or the TlsError) are recorded.
 */
import net from 'node:net';
import { accept, createServerContext, nodeStream, ServerContext, type ServerOptions, type TlsConnection } from '../../src/index.js';
import type { PeerCertificate } from '../../src/x509/peercert.js';
import { runClient } from '../helpers/openssl.js';
import { pki } from '../helpers/pki.js';

export interface ServedConnection {
  version?: string;
  cipherSuite?: string;
  /** connection.group: the key exchange group. */
  group?: string;
  peerCn?: string;
  received?: string;
  error?: ServedError;
}

export interface ServedError {
  code: string;
  message: string;
}

export interface TlsListener<T = ServedConnection> {
  port: number;
  /** The context every connection is accepted with. */
  context: ServerContext;
  /** Resolves with the outcome of the next connection (in arrival order). */
  next(): Promise<T>;
  close(): Promise<void>;
}

export const GREETING = 'hello from puretls';

/**
 * An outcome: what serve returned, or `{ error }` alone when accept() or serve threw (so every other field of an
 * outcome type is optional).
 */
export interface Outcome {
  error?: ServedError;
}

/** What a listener does with each accepted connection; its result is the connection's outcome. */
export type Serve<T extends Outcome> = (conn: TlsConnection) => Promise<T>;

/**
 * Listens on 127.0.0.1 (ephemeral port) and accepts each connection with one context (made from `opts`, or `opts`
 * itself when it is a context). `serve` (default: greet, echo one line, close) runs on each accepted connection.
 */
export async function listenTls(opts: ServerOptions | ServerContext): Promise<TlsListener>;
export async function listenTls<T extends Outcome>(opts: ServerOptions | ServerContext, serve: Serve<T>): Promise<TlsListener<T>>;
export async function listenTls(opts: ServerOptions | ServerContext, serve: Serve<Outcome> = greetAndEcho): Promise<TlsListener<Outcome>> {
  const context = opts instanceof ServerContext ? opts : createServerContext(opts);
  const outcomes: Promise<Outcome>[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.once('close', () => sockets.delete(sock));
    outcomes.push(acceptAndServe(sock, context, serve));
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const port = (server.address() as net.AddressInfo).port;
  let taken = 0;
  return {
    port,
    context,
    async next() {
      for (let i = 0; i < 400 && outcomes.length <= taken; i++) await new Promise((r) => setTimeout(r, 25));
      if (outcomes.length <= taken) throw new Error('no connection arrived');
      return outcomes[taken++]!;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((res) => server.close(() => res()));
    },
  };
}

async function acceptAndServe(sock: net.Socket, context: ServerContext, serve: Serve<Outcome>): Promise<Outcome> {
  try {
    const conn = await accept({ transport: nodeStream(sock), context, timeoutMs: 15000 });
    return await serve(conn);
  } catch (e) {
    const err = e as { code?: string; message?: string };
    return { error: { code: err.code ?? 'unknown', message: err.message ?? String(e) } };
  } finally {
    setTimeout(() => sock.destroy(), 1000).unref();
  }
}

/** Reads from `conn` until a `\n` or the end; `first` is the first chunk read (the early data, when it was accepted). */
export async function readLine(conn: TlsConnection): Promise<{ line: string; first?: string }> {
  const r = conn.readable.getReader();
  let line = '';
  let first: string | undefined;
  while (!line.includes('\n')) {
    const { value, done } = await r.read();
    if (done) break;
    const s = new TextDecoder().decode(value);
    first ??= s;
    line += s;
  }
  r.releaseLock();
  return { line, ...(first !== undefined ? { first } : {}) };
}

/** The default serve: greets the client, echoes one line back, closes with close_notify. */
async function greetAndEcho(conn: TlsConnection): Promise<ServedConnection> {
  const peer = conn.peerCertificate() as PeerCertificate | undefined;
  const w = conn.writable.getWriter();
  await w.write(new TextEncoder().encode(`${GREETING} ${conn.version} ${conn.cipherSuite}\n`));
  const { line: received } = await readLine(conn);
  await w.write(new TextEncoder().encode(`echo: ${received}`));
  w.releaseLock();
  await conn.close();
  return {
    version: conn.version,
    cipherSuite: conn.cipherSuite,
    ...(conn.group !== undefined ? { group: conn.group } : {}),
    received,
    ...(peer ? { peerCn: peer.subject.flat().find(([k]) => k === 'commonName')?.[1] } : {}),
  };
}

/**
 * One `openssl s_client` run against a fresh listener (default serve): s_client verifies against the test CA
 * (`-verify_return_error` unless `verify: false`), names localhost, keeps reading after its input (`-ign_eof`) and
 * takes `args`; returns what it printed, its exit code, and what the server saw.
 */
export async function sClientAgainst(
  server: ServerOptions,
  args: string[],
  o: { input?: string; verify?: boolean } = {},
): Promise<{ out: string; code: number | null; served: ServedConnection }> {
  const l = await listenTls(server);
  try {
    const r = await runClient({
      port: l.port,
      args: ['-CAfile', pki.caPath, ...(o.verify === false ? [] : ['-verify_return_error']), '-servername', 'localhost', '-ign_eof', ...args],
      input: o.input ?? 'ping from s_client\n',
      timeoutMs: 20000,
    });
    return { out: r.stdout + r.stderr, code: r.code, served: await l.next() };
  } finally {
    await l.close();
  }
}
