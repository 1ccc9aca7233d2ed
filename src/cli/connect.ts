/** `puretls connect host:port`: a TLS client like `openssl s_client`, then stdin/stdout through the connection. */
import { connect } from '../client.js';
import { TlsError } from '../errors.js';
import { tcpConnect } from './net.js';
import { parseArgs, hostPort, versionOptions, cipherOption, numberOption, readFileArg } from './args.js';
import { progress } from './progress.js';
import { keyLogWriter } from './keylog.js';
import { connectionSummary } from './summary.js';

export const CONNECT_USAGE = `usage: puretls connect HOST:PORT [options]      (or -connect HOST:PORT, as s_client takes it)
  --servername NAME   SNI and the name checked against the certificate (default: HOST); also -servername
  --ca FILE           trust anchors, PEM (default: the system bundle); also --cacert, -CAfile
  -k, --insecure      report verification failures instead of failing the handshake
  --tls1 | --tls1_1 | --tls1_2 | --tls1_3   pin one version;  --min V / --max V   a range (TLSv1 ... TLSv1.3;
                      default TLSv1.2 to TLSv1.3)
  --cipher LIST       suites, colon-separated (OpenSSL or IANA names)
  --alpn LIST         protocols to offer, comma-separated
  --cert FILE --key FILE   client certificate chain and key
  --showcerts         print every certificate of the chain as PEM; also -showcerts
  --keylog FILE       append NSS key log lines (SSLKEYLOGFILE format) to FILE, created mode 0600
  --timeout MS        handshake timeout (default 30000)
  --quiet             no summary; only the application data on stdout`;

const SPEC = {
  servername: 'string', ca: 'string', insecure: 'bool', tls1: 'bool', tls1_1: 'bool', tls1_2: 'bool', tls1_3: 'bool', min: 'string', max: 'string',
  cipher: 'string', alpn: 'string', cert: 'string', key: 'string', showcerts: 'bool', keylog: 'string', timeout: 'string', quiet: 'bool', help: 'bool',
  connect: 'string',
} as const;
/** The spellings curl and openssl s_client users type. */
const ALIASES = {
  '-h': 'help', '-k': 'insecure', '--cacert': 'ca', '-CAfile': 'ca', '-servername': 'servername', '-showcerts': 'showcerts',
  '-connect': 'connect', '-cert': 'cert', '-key': 'key', '-cipher': 'cipher', '-alpn': 'alpn', '-keylogfile': 'keylog', '-quiet': 'quiet',
  '-tls1': 'tls1', '-tls1_1': 'tls1_1', '-tls1_2': 'tls1_2', '-tls1_3': 'tls1_3',
};

export async function connectCommand(argv: string[]): Promise<number> {
  const { positionals, opts } = parseArgs(argv, SPEC, ALIASES);
  if (opts.help) {
    process.stdout.write(CONNECT_USAGE + '\n');
    return 0;
  }
  if (opts.connect !== undefined) positionals.push(opts.connect as string);
  if (positionals.length !== 1) throw new TlsError('config_invalid', 'connect needs exactly one HOST:PORT (see puretls connect --help)');
  const { host, port } = hostPort(positionals[0]!, 'target');
  // Files first: a typo in a path is reported before any connection is made.
  const files = {
    ...(opts.ca ? { ca: readFileArg(opts.ca as string) } : {}),
    ...(opts.cert ? { cert: readFileArg(opts.cert as string) } : {}),
    ...(opts.key ? { key: readFileArg(opts.key as string) } : {}),
  };
  const target = `${host}:${port}`;
  const spin = progress(`connecting to ${target}…`);
  let summary: string;
  let conn;
  try {
    const transport = await tcpConnect(host, port);
    spin.update(`TLS handshake with ${target}…`);
    const keylog = opts.keylog as string | undefined;
    conn = await connect({
      transport,
      serverName: (opts.servername as string | undefined) ?? host,
      ...files,
      verify: opts.insecure ? 'optional' : 'required',
      ...versionOptions(opts),
      ...(opts.cipher ? { cipherSuites: cipherOption(opts.cipher)! } : {}),
      ...(opts.alpn ? { alpnProtocols: String(opts.alpn).split(',') } : {}),
      ...(keylog ? { keyLog: keyLogWriter(keylog) } : {}),
      timeoutMs: numberOption(opts.timeout, '--timeout') ?? 30000,
    });
    summary = connectionSummary(conn, { target, showCerts: !!opts.showcerts, insecure: !!opts.insecure });
  } finally {
    spin.stop();
  }
  if (!opts.quiet) process.stderr.write(summary);
  return pipeStdio(conn);
}

/** stdin → connection, connection → stdout. At stdin's end we send close_notify and read until the server closes. */
async function pipeStdio(conn: Awaited<ReturnType<typeof connect>>): Promise<number> {
  const writer = conn.writable.getWriter();
  const sending = (async () => {
    for await (const chunk of process.stdin) await writer.write(new Uint8Array(chunk as Buffer));
    writer.releaseLock();
    await conn.close();
  })();
  sending.catch(() => {});
  for await (const chunk of conn.readable as unknown as AsyncIterable<Uint8Array>) {
    if (!process.stdout.write(chunk)) await new Promise((r) => process.stdout.once('drain', r));
  }
  process.stdin.destroy();
  return 0;
}
