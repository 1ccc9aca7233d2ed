/** `puretls get URL`: one HTTPS request with request(), the body to stdout (like a small curl). */
import { createWriteStream } from 'node:fs';
import { request } from '../http/request.js';
import { TlsError } from '../errors.js';
import { tcpConnect } from './net.js';
import { parseArgs, versionOptions, cipherOption, numberOption, readFileArg } from './args.js';
import { connectionSummary } from './summary.js';
import { printable } from './escape.js';
import { progress } from './progress.js';

export const GET_USAGE = `usage: puretls get URL [options]
  --ca FILE           trust anchors, PEM (default: the system bundle); also --cacert, -CAfile
  -k, --insecure      do not verify the server certificate
  -X, --method M      request method (default GET)
  -H, --header 'K: V' add a header (repeatable)
  -d, --data DATA     request body (@FILE reads a file)
  -L, --follow        follow redirects (--max-redirects N, default 5)
  -i, --include       print each response head as the server sent it before the body (with -L: every hop's)
  -v, --verbose       on stderr: each connection's TLS summary and each response head
  -o, --output FILE   write the body to FILE
  --timeout MS        abort the whole request after MS milliseconds
  --tls1 | --tls1_1 | --tls1_2 | --tls1_3 | --min V --max V (default TLSv1.2 to TLSv1.3) | --cipher LIST`;

const SPEC = {
  ca: 'string', insecure: 'bool', method: 'string', header: 'list', data: 'string', follow: 'bool', 'max-redirects': 'string', include: 'bool',
  output: 'string', timeout: 'string', tls1: 'bool', tls1_1: 'bool', tls1_2: 'bool', tls1_3: 'bool', min: 'string', max: 'string', cipher: 'string', help: 'bool',
  verbose: 'bool',
} as const;
/** curl's short options and spellings (--location for -L, --cacert), and OpenSSL's -CAfile. */
const ALIASES = {
  '-X': 'method', '-H': 'header', '-d': 'data', '-L': 'follow', '--location': 'follow', '-i': 'include', '-o': 'output', '-h': 'help',
  '-k': 'insecure', '--cacert': 'ca', '-CAfile': 'ca', '-v': 'verbose', '--request': 'method',
};

export async function getCommand(argv: string[]): Promise<number> {
  const { positionals, opts } = parseArgs(argv, SPEC, ALIASES);
  if (opts.help) {
    process.stdout.write(GET_USAGE + '\n');
    return 0;
  }
  if (positionals.length !== 1) throw new TlsError('config_invalid', 'get needs exactly one URL (see puretls get --help)');
  const headers = new Headers();
  for (const h of (opts.header as string[] | undefined) ?? []) {
    const i = h.indexOf(':');
    if (i <= 0) throw new TlsError('config_invalid', `header '${h}' is not 'Name: value'`);
    headers.append(h.slice(0, i).trim(), h.slice(i + 1).trim());
  }
  const data = opts.data as string | undefined;
  const body = data === undefined ? undefined : data.startsWith('@') ? new Uint8Array(readFileArg(data.slice(1))) : data;
  const ca = opts.ca ? readFileArg(opts.ca as string) : undefined;
  const out: NodeJS.WritableStream = opts.output ? createWriteStream(opts.output as string) : process.stdout;
  const verbose = !!opts.verbose;
  const url = positionals[0]!;
  // -v writes its own lines on stderr; a spinner there would garble them.
  const spin = verbose ? { update: () => {}, stop: () => {} } : progress(`requesting ${url}…`);
  let res: Response;
  try {
    res = await request(url, {
      method: (opts.method as string | undefined) ?? (body !== undefined ? 'POST' : 'GET'),
      headers,
      ...(body !== undefined ? { body } : {}),
      connect: (t) => {
        spin.update(`connecting to ${t.host}:${t.port}…`);
        return tcpConnect(t.host, t.port);
      },
      tls: {
        ...(ca ? { ca } : {}),
        ...(opts.insecure ? { verify: 'none' as const } : {}),
        ...versionOptions(opts),
        ...(opts.cipher ? { cipherSuites: cipherOption(opts.cipher)! } : {}),
      },
      redirect: opts.follow ? 'follow' : 'manual',
      ...(opts['max-redirects'] ? { maxRedirects: numberOption(opts['max-redirects'], '--max-redirects')! } : {}),
      ...(opts.timeout ? { timeoutMs: numberOption(opts.timeout, '--timeout')! } : {}),
      onConnection: (c, u) => {
        if (verbose) process.stderr.write(connectionSummary(c, { target: u.host, showCerts: false, insecure: !!opts.insecure }));
        spin.update(`${c.version} ${c.cipherSuite}: waiting for the response…`);
      },
      onResponseHead: (head) => {
        if (verbose) process.stderr.write(head.split('\r\n').map((l) => `< ${printable(l)}\n`).join('') + '<\n');
        if (opts.include) out.write(head + '\r\n\r\n');
      },
    });
  } finally {
    spin.stop();
  }
  if (res.body) {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
    }
  }
  if (out !== process.stdout) await new Promise<void>((r) => out.end(() => r()));
  return 0;
}
