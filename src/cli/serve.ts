/** `puretls serve`: a TLS server like `openssl s_server -www` (a page describing the connection) or an echo server. */
import net from 'node:net';
import { createServerContext, accept } from '../server.js';
import { nodeStream, LINGER_MS } from '../transport/node.js';
import { TlsError } from '../errors.js';
import type { TlsConnection } from '../connection.js';
import { parseArgs, hostPort, versionOptions, cipherOption, readFileArg, numberOption } from './args.js';
import { chainLines } from './summary.js';
import { printable } from './escape.js';
import { keyLogWriter } from './keylog.js';

export const SERVE_USAGE = `usage: puretls serve --cert FILE --key FILE [options]
  --listen HOST:PORT  where to listen (default 127.0.0.1:4433; port 0 picks one)
  --www               answer each HTTP request with a page describing the connection, in one record (default)
  --echo              send back whatever the client sends
  --ca FILE           trust anchors for client certificates
  --verify-client     ask for a client certificate;  --require-client  and refuse clients without one
  --cert2 FILE --key2 FILE   a second identity beside the first (e.g. ECDSA beside RSA; chosen per client)
  --no-ticket         issue no session tickets (resumption by session id only)
  --early-data        TLS 1.3: accept 0-RTT data (16384 bytes) with our tickets;  --max-early-data N  up to N bytes
  --keylog FILE       append NSS key log lines (SSLKEYLOGFILE format) to FILE, created mode 0600
  --tls1 | --tls1_1 | --tls1_2 | --tls1_3 | --min V --max V (default TLSv1.2 to TLSv1.3) | --cipher LIST | --alpn LIST
  --once              exit after the first connection
  --request-timeout MS  with --www: time a client has after its handshake to send its request (default 30000)
  s_server spellings: -cert, -key, -cert2, -key2, -CAfile, -www, -no_ticket, -keylogfile, -early_data, -max_early_data`;

const SPEC = {
  listen: 'string', cert: 'string', key: 'string', www: 'bool', echo: 'bool', ca: 'string', 'verify-client': 'bool', 'require-client': 'bool',
  tls1: 'bool', tls1_1: 'bool', tls1_2: 'bool', tls1_3: 'bool', min: 'string', max: 'string', cipher: 'string', alpn: 'string', once: 'bool', help: 'bool',
  cert2: 'string', key2: 'string', 'no-ticket': 'bool', keylog: 'string', 'request-timeout': 'string',
  'early-data': 'bool', 'max-early-data': 'string',
} as const;
const ALIASES = {
  '-h': 'help', '-cert': 'cert', '-key': 'key', '-cert2': 'cert2', '-key2': 'key2', '-CAfile': 'ca', '-www': 'www', '-no_ticket': 'no-ticket',
  '-keylogfile': 'keylog', '-early_data': 'early-data', '-max_early_data': 'max-early-data', '-cipher': 'cipher', '-alpn': 'alpn', '-tls1': 'tls1', '-tls1_1': 'tls1_1', '-tls1_2': 'tls1_2', '-tls1_3': 'tls1_3',
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
    `Early data: ${conn.earlyDataAccepted === undefined ? '(none)' : conn.earlyDataAccepted ? 'accepted' : 'rejected'}`,
    client.length ? `Client certificate chain:\n${chainLines(client, false).join('\n')}` : 'Client certificate: (none)',
    '',
  ].join('\n');
}

/**
 * Read up to the end of the request head (bounded in size, and in time: a client that sends nothing after its
 * handshake does not hold the connection), then answer and close.
 */
async function www(conn: TlsConnection, id: number, timeoutMs: number): Promise<void> {
  const reader = conn.readable.getReader();
  let head = '';
  const dec = new TextDecoder('latin1');
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TlsError('io_timeout', `no complete request within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    while (!head.includes('\r\n\r\n') && !head.includes('\n\n') && head.length < 16384) {
      const { value, done } = await Promise.race([reader.read(), timeout]);
      if (done) return;
      head += dec.decode(value);
    }
  } catch (e) {
    // Shut the connection down (close_notify, then a close that lets our last bytes reach the client).
    await reader.cancel().catch(() => {});
    throw e;
  } finally {
    clearTimeout(timer);
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
  const maxEarlyData = numberOption(opts['max-early-data'], '--max-early-data') ?? (opts['early-data'] ? 16384 : 0);
  const context = createServerContext({
    ...(opts.cert2 ? { identities: [first, { cert: readFileArg(opts.cert2 as string), key: readFileArg(opts.key2 as string) }] } : first),
    ...(opts.ca ? { ca: readFileArg(opts.ca as string) } : {}),
    requestCert: opts['require-client'] ? 'required' : opts['verify-client'] ? 'optional' : 'none',
    ...versionOptions(opts),
    ...(opts.cipher ? { cipherSuites: cipherOption(opts.cipher)! } : {}),
    ...(opts.alpn ? { alpnProtocols: String(opts.alpn).split(',') } : {}),
    ...(opts['no-ticket'] ? { sessionTickets: false } : {}),
    ...(maxEarlyData ? { maxEarlyData } : {}),
    // Key logs hold session secrets: a file we create is readable by its owner only.
    ...(keylog ? { keyLog: keyLogWriter(keylog) } : {}),
  });
  const mode = opts.echo ? 'echo' : 'www';
  const requestTimeoutMs = numberOption(opts['request-timeout'], '--request-timeout') ?? 30000;
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
        let conn: TlsConnection | undefined;
        try {
          conn = await accept({ transport: nodeStream(sock), context, timeoutMs: 30000 });
          const facts = `${conn.resumed ? ' resumed' : ''}${conn.earlyDataAccepted === undefined ? '' : conn.earlyDataAccepted ? ' early-data=accepted' : ' early-data=rejected'}`;
          process.stderr.write(`#${id} ${peer}: ${conn.version} ${conn.cipherSuite}${conn.serverName ? ` SNI=${printable(conn.serverName)}` : ''}${facts}\n`);
          await (mode === 'www' ? www(conn, id, requestTimeoutMs) : echo(conn));
        } catch (e) {
          const err = e as TlsError;
          process.stderr.write(`#${id} ${peer}: ${printable(String(err.message))}${err.code ? ` [${err.code}]` : ''}\n`);
        } finally {
          // close_notify is out; the transport half-closes and reads what the client still sends for a moment before
          // letting the socket go (destroying it with unread bytes would reset our last records away). Bounded.
          await conn?.readable.cancel().catch(() => {});
          setTimeout(() => sock.destroy(), LINGER_MS + 1000).unref();
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
