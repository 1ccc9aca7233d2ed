/** `puretls get URL`: one HTTPS request with request(), the body to stdout (like a small curl). */
import { readFileSync, createWriteStream } from 'node:fs';
import { request } from '../http/request.js';
import { TlsError } from '../errors.js';
import { tcpConnect } from './net.js';
import { parseArgs, versionOptions, cipherOption, numberOption } from './args.js';
import { progress } from './progress.js';

export const GET_USAGE = `usage: puretls get URL [options]
  --ca FILE           trust anchors, PEM (default: the system bundle)
  --insecure          do not verify the server certificate
  -X, --method M      request method (default GET)
  -H, --header 'K: V' add a header (repeatable)
  -d, --data DATA     request body (@FILE reads a file)
  -L, --follow        follow redirects (--max-redirects N, default 5)
  -i, --include       print the status line and headers before the body
  -o, --output FILE   write the body to FILE
  --timeout MS        abort the whole request after MS milliseconds
  --tls1 | --tls1_1 | --tls1_2 | --min V --max V | --cipher LIST`;

const SPEC = {
  ca: 'string', insecure: 'bool', method: 'string', header: 'list', data: 'string', follow: 'bool', 'max-redirects': 'string', include: 'bool',
  output: 'string', timeout: 'string', tls1: 'bool', tls1_1: 'bool', tls1_2: 'bool', min: 'string', max: 'string', cipher: 'string', help: 'bool',
} as const;
const ALIASES = { '-X': 'method', '-H': 'header', '-d': 'data', '-L': 'follow', '-i': 'include', '-o': 'output', '-h': 'help' };

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
  const body = data === undefined ? undefined : data.startsWith('@') ? new Uint8Array(readFileSync(data.slice(1))) : data;
  const url = positionals[0]!;
  const spin = progress(`requesting ${url}…`);
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
        ...(opts.ca ? { ca: readFileSync(opts.ca as string) } : {}),
        ...(opts.insecure ? { verify: 'none' as const } : {}),
        ...versionOptions(opts),
        ...(opts.cipher ? { cipherSuites: cipherOption(opts.cipher)! } : {}),
      },
      redirect: opts.follow ? 'follow' : 'manual',
      ...(opts['max-redirects'] ? { maxRedirects: numberOption(opts['max-redirects'], '--max-redirects')! } : {}),
      ...(opts.timeout ? { timeoutMs: numberOption(opts.timeout, '--timeout')! } : {}),
      onConnection: (c) => spin.update(`${c.version} ${c.cipherSuite}: waiting for the response…`),
    });
  } finally {
    spin.stop();
  }
  const out: NodeJS.WritableStream = opts.output ? createWriteStream(opts.output as string) : process.stdout;
  if (opts.include) {
    let head = `HTTP/1.1 ${res.status} ${res.statusText}\r\n`;
    for (const [k, v] of res.headers) head += `${k}: ${v}\r\n`;
    out.write(head + '\r\n');
  }
  if (res.body) {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
    }
  }
  if (out !== process.stdout) await new Promise<void>((r) => out.end(() => r()));
  return 0;
}
