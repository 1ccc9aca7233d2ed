/** `puretls serve`: a TLS server like `openssl s_server -www` (a page describing the connection) or an echo server. */
import net from 'node:net';
import { appendFileSync } from 'node:fs';
import { createServerContext, accept } from '../server.js';
import { nodeStream } from '../transport/node.js';
import { TlsError } from '../errors.js';
import type { TlsConnection } from '../connection.js';
import { parseArgs, hostPort, versionOptions, cipherOption, readFileArg } from './args.js';
import { chainLines } from './summary.js';

export const SERVE_USAGE = `usage: puretls serve --cert FILE --key FILE [options]
  --listen HOST:PORT  where to listen (default 127.0.0.1:4433; port 0 picks one)
  --www               answer each HTTP request with a page describing the connection, in one record (default)
  --echo              send back whatever the client sends
  --ca FILE           trust anchors for client certificates
  --verify-client     ask for a client certificate;  --require-client  and refuse clients without one
  --cert2 FILE --key2 FILE   a second identity beside the first (e.g. ECDSA beside RSA; chosen per client)
  --no-ticket         issue no session tickets (resumption by session id only)
  --keylog FILE       append NSS key log lines (SSLKEYLOGFILE format) to FILE, created mode 0600
  --tls1 | --tls1_1 | --tls1_2 | --min V --max V | --cipher LIST | --alpn LIST
  --once              exit after the first connection
  s_server spellings: -cert, -key, -cert2, -key2, -CAfile, -www, -no_ticket, -keylogfile`;

const SPEC = {
  listen: 'string', cert: 'string', key: 'string', www: 'bool', echo: 'bool', ca: 'string', 'verify-client': 'bool', 'require-client': 'bool',
  tls1: 'bool', tls1_1: 'bool', tls1_2: 'bool', min: 'string', max: 'string', cipher: 'string', alpn: 'string', once: 'bool', help: 'bool',
  cert2: 'string', key2: 'string', 'no-ticket': 'bool', keylog: 'string',
} as const;
const ALIASES = {
  '-h': 'help', '-cert': 'cert', '-key': 'key', '-cert2': 'cert2', '-key2': 'key2', '-CAfile': 'ca', '-www': 'www', '-no_ticket': 'no-ticket',
  '-keylogfile': 'keylog', '-cipher': 'cipher', '-alpn': 'alpn', '-tls1': 'tls1', '-tls1_1': 'tls1_1', '-tls1_2': 'tls1_2',
};

const enc = new TextEncoder();

/** The -www page: what was negotiated, as plain text. */
function page(conn: TlsConnection, id: number): string {
  const client = conn.peerCertificateChain();
  return [
    `puretls serve: connection #${id}`,
    `Protocol: ${conn.version}`,
    `Cipher: ${conn.cipherSuite}`,
    `ALPN: ${conn.alpnProtocol ?? '(none)'}`,
    `SNI: ${conn.serverName ?? '(none)'}`,
    `Resumed: ${conn.resumed ? 'yes' : 'no'}`,
    client.length ? `Client certificate chain:\n${chainLines(client, false).join('\n')}` : 'Client certificate: (none)',
    '',
  ].join('\n');
}

/** Read up to the end of the request head (bounded), then answer and close. */
async function www(conn: TlsConnection, id: number): Promise<void> {
  const reader = conn.readable.getReader();
  let head = '';
  const dec = new TextDecoder('latin1');
  while (!head.includes('\r\n\r\n') && !head.includes('\n\n') && head.length < 16384) {
    const { value, done } = await reader.read();
    if (done) return;
    head += dec.decode(value);
  }
  const body = page(conn, id);
  const w = conn.writable.getWriter();
  // One write, so one record (the page is far below 16 KiB), as s_server -www answers: scripted clients of
  // conformance suites read exactly one application-data record back.
  await w.write(enc.encode(`HTTP/1.0 200 ok\r\nContent-Type: text/plain\r\nContent-Length: ${enc.encode(body).length}\r\n\r\n${body}`));
  w.releaseLock();
  reader.releaseLock();
  await conn.close();
}

async function echo(conn: TlsConnection): Promise<void> {
  await conn.readable.pipeTo(conn.writable);
}

export async function serveCommand(argv: string[]): Promise<number> {
  const { opts } = parseArgs(argv, SPEC, ALIASES);
  if (opts.help) {
    process.stdout.write(SERVE_USAGE + '\n');
    return 0;
  }
  if (!opts.cert || !opts.key) throw new TlsError('config_invalid', 'serve needs --cert and --key (see puretls serve --help)');
  if (opts.www && opts.echo) throw new TlsError('config_invalid', 'give one of --www and --echo');
  if (!opts.cert2 !== !opts.key2) throw new TlsError('config_invalid', '--cert2 and --key2 go together');
  const { host, port } = hostPort((opts.listen as string | undefined) ?? '127.0.0.1:4433', '--listen');
  const first = { cert: readFileArg(opts.cert as string), key: readFileArg(opts.key as string) };
  const keylog = opts.keylog as string | undefined;
  const context = createServerContext({
    ...(opts.cert2 ? { identities: [first, { cert: readFileArg(opts.cert2 as string), key: readFileArg(opts.key2 as string) }] } : first),
    ...(opts.ca ? { ca: readFileArg(opts.ca as string) } : {}),
    requestCert: opts['require-client'] ? 'required' : opts['verify-client'] ? 'optional' : 'none',
    ...versionOptions(opts),
    ...(opts.cipher ? { cipherSuites: cipherOption(opts.cipher)! } : {}),
    ...(opts.alpn ? { alpnProtocols: String(opts.alpn).split(',') } : {}),
    ...(opts['no-ticket'] ? { sessionTickets: false } : {}),
    // Key logs hold session secrets: a file we create is readable by its owner only.
    ...(keylog ? { keyLog: (line: string) => appendFileSync(keylog, line + '\n', { mode: 0o600 }) } : {}),
  });
  const mode = opts.echo ? 'echo' : 'www';
  let count = 0;
  // Half-open: a client that ends its side right after its close_notify still gets ours back.
  const server = net.createServer({ allowHalfOpen: true });
  const done = new Promise<number>((resolve) => {
    const stop = () => server.close(() => resolve(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    server.on('connection', (sock) => {
      const id = ++count;
      const peer = `${sock.remoteAddress}:${sock.remotePort}`;
      if (opts.once) server.close(() => resolve(0));
      void (async () => {
        try {
          const conn = await accept({ transport: nodeStream(sock), context, timeoutMs: 30000 });
          process.stderr.write(`#${id} ${peer}: ${conn.version} ${conn.cipherSuite}${conn.serverName ? ` SNI=${conn.serverName}` : ''}\n`);
          await (mode === 'www' ? www(conn, id) : echo(conn));
        } catch (e) {
          const err = e as TlsError;
          process.stderr.write(`#${id} ${peer}: ${err.message}${err.code ? ` [${err.code}]` : ''}\n`);
        } finally {
          // Give the client a moment to answer our close_notify, then let the socket go.
          setTimeout(() => sock.destroy(), 1000).unref();
        }
      })();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new TlsError('io_transport', `cannot listen on ${host}:${port}: ${e.message}`, { cause: e })));
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as net.AddressInfo;
  process.stderr.write(`puretls serve (${mode}) listening on ${addr.address}:${addr.port}\n`);
  return done;
}
