/**
 * Python's `ssl` module (the API puretls's Python-shaped facade imitates), through `python3 -c`: an echo server
 * and a client that sends a line and prints what comes back, both directions, client certificates and resumption
 * (a session object offered on a second connection) included. TLS 1.0–1.2 suites are pinned with set_ciphers;
 * Python has no setter for the TLS 1.3 suite list, so in 1.3 cells our side alone names the suite (the check of
 * the negotiated suite still applies). HelloRetryRequest cells pin Python's server to secp384r1 with
 * set_ecdh_curve (in OpenSSL 3 that is the whole group list, 1.3 key shares included); Python's client shares
 * X25519 first by default.
 */
import type { Cell, PeerClientRun, PeerDriver } from '../types.js';
import { commandExists, firstLine, HOST, start } from '../proc.js';
import { loadPki, SERVER_NAME } from '../pki.js';
import { SECOND_CONNECTION, secondConnectionOutput, serverOf } from './common.js';

const PYTHON = process.env.PYTHON ?? 'python3';
/** The interpreter's own flags: TLS 1.0/1.1 are deprecated in Python, and its warnings would only fill the output. */
const FLAGS = ['-W', 'ignore::DeprecationWarning'];

/**
 * RFC 7919 ffdhe2048 as DHParameter PEM (openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048): a
 * Python server offers no DHE suite without DH parameters, and has no 'auto' setting.
 */
const FFDHE2048_PEM = `-----BEGIN DH PARAMETERS-----
MIIBCAKCAQEA//////////+t+FRYortKmq/cViAnPTzx2LnFg84tNpWp4TZBFGQz
+8yTnc4kmz75fS/jY2MMddj2gbICrsRhetPfHtXV/WVhJDP1H18GbtCFY2VVPe0a
87VXE15/V8k1mE8McODmi3fipona8+/och3xWKE2rec1MKzKT0g6eXq8CrGCsyT7
YdEIqUuyyOP7uWrat2DX9GgdT0Kj3jlN9K5W7edjcrsZCwenyO4KbXCeAvzhzffi
7MA0BM0oNC9hkXL+nOmFg/+OTxIy7vKBg8P+OxtMb61zO7X8vC7CIAXFjvGDfRaD
ssbzSibBsu/6iGtCOGEoXJf//////////wIBAg==
-----END DH PARAMETERS-----
`;

/** The peer program: one JSON argument says the role and everything else. */
const SCRIPT = String.raw`
import json, socket, ssl, sys
c = json.loads(sys.argv[1])
V = {'TLSv1': ssl.TLSVersion.TLSv1, 'TLSv1.1': ssl.TLSVersion.TLSv1_1, 'TLSv1.2': ssl.TLSVersion.TLSv1_2, 'TLSv1.3': ssl.TLSVersion.TLSv1_3}
server = c['role'] == 'server'
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER if server else ssl.PROTOCOL_TLS_CLIENT)
if c['version'] != 'TLSv1.3':
    ctx.set_ciphers(c['ciphers'])
ctx.minimum_version = V[c['version']]
ctx.maximum_version = V[c['version']]
if c.get('curve'):
    ctx.set_ecdh_curve(c['curve'])
if server:
    ctx.load_cert_chain(c['cert'], c['key'])
    ctx.load_dh_params(c['dh'])
    if c['clientAuth']:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(c['ca'])
    ls = socket.socket()
    ls.bind((c['host'], 0))
    ls.listen(8)
    print('LISTEN', ls.getsockname()[1], flush=True)
    while True:
        s, _ = ls.accept()
        try:
            t = ctx.wrap_socket(s, server_side=True)
            while True:
                d = t.recv(65536)
                if not d:
                    break
                t.sendall(d)
            t.close()
        except Exception as e:
            print('error:', e, flush=True)
            s.close()
else:
    ctx.load_verify_locations(c['ca'])
    if c['clientAuth']:
        ctx.load_cert_chain(c['cert'], c['key'])
    session = None
    for n in range(2 if c['resume'] else 1):
        if n:
            sys.stdout.write(c['marker'])
        s = socket.create_connection((c['host'], c['port']))
        t = ctx.wrap_socket(s, server_hostname=c['serverName'], session=session)
        print('connected', t.version(), t.cipher()[0], 'reused=%s' % t.session_reused, flush=True)
        t.sendall(c['line'].encode('latin1'))
        while True:
            d = t.recv(65536)
            if not d:
                break
            sys.stdout.write(d.decode('latin1'))
            sys.stdout.flush()
        session = t.session
        t.close()
`;

function config(cell: Cell, role: 'server' | 'client', extra: Record<string, unknown>): string {
  const pki = loadPki();
  const id = pki[role][cell.keyType];
  return JSON.stringify({
    role,
    host: HOST,
    version: cell.version,
    // TLS 1.0/1.1 need security level 0 in OpenSSL 3 (SHA-1 and MD5+SHA-1 signatures).
    ciphers: cell.version === 'TLSv1.2' ? cell.suite.openssl : `${cell.suite.openssl}:@SECLEVEL=0`,
    // HelloRetryRequest cells: the server takes only secp384r1; the client keeps OpenSSL's X25519-first order.
    ...(cell.hrr && role === 'server' ? { curve: 'secp384r1' } : {}),
    cert: id.chainPath,
    key: id.keyPath,
    ca: pki.caPath,
    clientAuth: cell.clientAuth,
    ...extra,
  });
}

function client(cell: Cell, port: number, line: string, resume: boolean): PeerClientRun {
  const p = start(PYTHON, [...FLAGS, '-c', SCRIPT, config(cell, 'client', { port, line, resume, serverName: SERVER_NAME, marker: SECOND_CONNECTION })]);
  return { output: p.output, exited: p.exited, endInput: () => void p.child.stdin!.end(), stop: p.stop };
}

export const python: PeerDriver = {
  name: 'python',
  missing: () => (commandExists(PYTHON) ? null : `${PYTHON} not found (apt-get install python3)`),
  version: () => `${firstLine(PYTHON, ['--version'])} (${firstLine(PYTHON, ['-c', 'import ssl; print(ssl.OPENSSL_VERSION)'])})`,
  server: {
    unsupported: () => null,
    async start(cell, work) {
      const p = start(PYTHON, [...FLAGS, '-c', SCRIPT, config(cell, 'server', { dh: work.file('ffdhe2048.pem', FFDHE2048_PEM) })]);
      try {
        // An interpreter start takes seconds on a loaded machine.
        const m = await p.waitFor(/^LISTEN (\d+)\s*$/m, 30000);
        return serverOf(p, Number(m[1]), 'echo');
      } catch (e) {
        await p.stop();
        throw new Error(`${e instanceof Error ? e.message : String(e)}\n${p.output()}`);
      }
    },
  },
  client: {
    unsupported: () => null,
    start: (cell, port, line) => client(cell, port, line, false),
    resume: {
      reused: (output) => /reused=True/.test(secondConnectionOutput(output)),
      start: (cell, port, line) => client(cell, port, line, true),
    },
  },
};
