/**
 * The package as a user gets it: `npm pack` (running the real prepack on a copy of the repository, so the tests
 * reading dist/ meanwhile are left alone), installed from the tarball into an empty app beside only typescript,
 * @types/node and esbuild. From that app: the CLI starts; the types compile for Node and, without @types/node, for
 * the browser, and refuse a misspelt TlsErrorCode; esbuild bundles the library for the browser; and Node, Deno, Bun
 * and Cloudflare's workerd (a Worker over `connect()` from `cloudflare:sockets`, bundled as wrangler bundles) each
 * make a verified handshake to openssl s_server with the project's test PKI. One pack and one install for the file.
 */
import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, stopAll, opensslAvailable, freePort, waitForPort, type RunningServer } from '../helpers/openssl.js';
import { pki, repoRoot } from '../helpers/pki.js';

// Each step starts a tool (tsc, esbuild, a runtime) from scratch; on a loaded 2-core machine some take tens of seconds.
vi.setConfig({ testTimeout: 180_000 });

const hasOpenssl = opensslAvailable();
const children = new Set<ChildProcess>();
let tmp: string;
let app: string;
let version: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (killed after timeoutMs); never throws. */
function run(cmd: string, args: string[], o: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Run> {
  const child = spawn(cmd, args, { cwd: o.cwd ?? app, env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 60000);
  return new Promise((resolve) => {
    child.once('error', (e) => {
      stderr += String(e);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * A runtime binary from the devDependencies: the platform package's own file when it is still there, else where
 * the wrapper's postinstall moved it (node_modules/.bin). Placeholders (a few KiB) do not count.
 */
const RUNTIME_BINARIES: Record<string, string[]> = {
  deno: ['@deno/linux-x64-glibc/deno', 'deno/deno'],
  bun: ['@oven/bun-linux-x64/bin/bun', 'bun/bin/bun.exe'],
  workerd: ['@cloudflare/workerd-linux-64/bin/workerd', 'workerd/bin/workerd'],
};
const repoBin = (name: string) =>
  RUNTIME_BINARIES[name]!.map((p) => path.join(repoRoot, 'node_modules', p)).find((p) => existsSync(p) && statSync(p).size > 1 << 20) ??
  path.join(repoRoot, 'node_modules/.bin', name);
const versionOf = (pkg: string) => (JSON.parse(readFileSync(path.join(repoRoot, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'puretls-pack-'));
  version = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
  // A copy of what prepack needs; node_modules is the repository's (typescript, esbuild).
  const stage = path.join(tmp, 'stage');
  mkdirSync(stage);
  for (const f of ['package.json', 'README.md', 'LICENSE', 'tsconfig.json', 'tsconfig.build.json', 'src', 'scripts', 'vectors/pki']) {
    cpSync(path.join(repoRoot, f), path.join(stage, f), { recursive: true });
  }
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(stage, 'node_modules'), 'dir');
  const pack = await run('npm', ['pack', '--pack-destination', tmp, '--no-audit', '--no-fund'], { cwd: stage, timeoutMs: 240000 });
  expect(pack.code, pack.stderr).toBe(0);
  const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
  expect(tgz).toBeDefined();

  app = path.join(tmp, 'app');
  mkdirSync(app);
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  const install = await run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', path.join(tmp, tgz!), `typescript@${versionOf('typescript')}`, `@types/node@${versionOf('@types/node')}`, `esbuild@${versionOf('esbuild')}`],
    { timeoutMs: 240000 },
  );
  expect(install.code, install.stderr).toBe(0);
}, 480000);

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await stopAll();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('the installed package', () => {
  it('ships what it advertises: LICENSE, the entries, the browser bundle, source maps with their sources', () => {
    const pkgDir = path.join(app, 'node_modules/puretls');
    expect(readFileSync(path.join(pkgDir, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
    const pkg = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { exports: Record<string, unknown>; files: string[] };
    const targets = JSON.stringify(pkg.exports).match(/"\.\/dist\/[^"]+"/g)!.map((s) => JSON.parse(s) as string);
    for (const t of targets) expect(existsSync(path.join(pkgDir, t)), t).toBe(true);
    expect(targets).toContain('./dist/browser/puretls.js');
    // Every map carries the sources it names (src/ is not shipped).
    for (const f of ['dist/index.js.map', 'dist/web.js.map', 'dist/client.js.map', 'dist/browser/puretls.js.map']) {
      const map = JSON.parse(readFileSync(path.join(pkgDir, f), 'utf8')) as { sources: string[]; sourcesContent?: (string | null)[] };
      expect(map.sourcesContent?.length, f).toBe(map.sources.length);
      expect(map.sourcesContent!.every((s) => typeof s === 'string' && s.length > 0), f).toBe(true);
    }
    expect(existsSync(path.join(pkgDir, 'src'))).toBe(false);
    expect(existsSync(path.join(pkgDir, 'vectors/pki/ca.key'))).toBe(false);
  });

  it('the CLI starts: --version, --help, a command loaded on demand, a clear error for a missing file', async () => {
    const bin = path.join(app, 'node_modules/.bin/puretls');
    const v = await run(bin, ['--version']);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toBe(`puretls ${version}\n`);
    const h = await run(bin, ['--help']);
    expect(h.code, h.stderr).toBe(0);
    expect(h.stdout).toContain('relay');
    const r = await run(bin, ['relay', '--help']);
    expect(r.code, r.stderr).toBe(0);
    const c = await run(bin, ['conformance', '--help']);
    expect(c.code, c.stderr).toBe(0);
    const missing = await run(bin, ['connect', '127.0.0.1:1', '--cacert', '/nope.pem']);
    expect(missing.stderr).toBe('puretls: cannot read /nope.pem (no such file) [config_invalid]\n');
  });

  it('types: Node code compiles with @types/node; browser code without it; a misspelt TlsErrorCode does not', async () => {
    writeFileSync(
      path.join(app, 'node-app.ts'),
      `import net from 'node:net';
import { connect, nodeStream, toNodeDuplex, TlsError, type TlsErrorCode } from 'puretls';
export async function go(): Promise<string> {
  const conn = await connect({ transport: nodeStream(net.connect(443, 'example.test')), serverName: 'example.test' });
  toNodeDuplex(conn).end();
  return conn.version;
}
export function kind(e: TlsError): string {
  const code: TlsErrorCode = e.code;
  switch (code) {
    case 'cert_untrusted':
      return 'untrusted';
    default:
      return code;
  }
}
`,
    );
    writeFileSync(
      path.join(app, 'browser-app.ts'),
      `import { connect, webSocketStream, request, TlsError } from 'puretls';
export async function go(ca: string): Promise<number> {
  const conn = await connect({ transport: webSocketStream(new WebSocket('ws://relay.test/')), serverName: 'example.test', ca });
  await conn.close();
  const res = await request('https://example.test/', { tls: { ca }, connect: () => webSocketStream(new WebSocket('ws://relay.test/')) });
  return res.status;
}
export const isTls = (e: unknown) => e instanceof TlsError && e.code === 'io_transport';
`,
    );
    writeFileSync(
      path.join(app, 'misspelt.ts'),
      `import type { TlsError } from 'puretls';
export function kind(e: TlsError): number {
  switch (e.code) {
    case 'cert_untrustd':
      return 1;
  }
  return 0;
}
`,
    );
    const tsc = path.join(app, 'node_modules/typescript/bin/tsc');
    const common = ['--noEmit', '--strict', '--target', 'ES2022', '--skipLibCheck', 'false'];
    const node = await run(process.execPath, [tsc, ...common, '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', 'node-app.ts']);
    expect(node.code, node.stdout).toBe(0);
    const browser = await run(process.execPath, [tsc, ...common, '--module', 'esnext', '--moduleResolution', 'bundler', '--lib', 'ES2022,DOM,DOM.Iterable', '--types', '', 'browser-app.ts']);
    expect(browser.code, browser.stdout).toBe(0);
    // The same flags do keep @types/node out: the Node entry's types need it and fail there.
    writeFileSync(path.join(app, 'browser-node-entry.ts'), "export { nodeStream } from 'puretls/node';\n");
    const nodeEntry = await run(process.execPath, [tsc, ...common, '--module', 'esnext', '--moduleResolution', 'bundler', '--lib', 'ES2022,DOM,DOM.Iterable', '--types', '', 'browser-node-entry.ts']);
    expect(nodeEntry.code).not.toBe(0);
    expect(nodeEntry.stdout).toContain("Cannot find name 'node:stream'");
    const bad = await run(process.execPath, [tsc, ...common, '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', 'misspelt.ts']);
    expect(bad.code).not.toBe(0);
    expect(bad.stdout).toMatch(/misspelt\.ts\(4,10\): error TS2678: Type '"cert_untrustd"' is not comparable/);
  }, 300_000);

  it('esbuild bundles the library for the browser, with no Node built-in in the graph', async () => {
    writeFileSync(path.join(app, 'bundle-me.js'), "import { connect, webSocketStream, request } from 'puretls';\nconsole.log(connect, webSocketStream, request);\n");
    const esbuild = path.join(app, 'node_modules/.bin/esbuild');
    const r = await run(esbuild, ['bundle-me.js', '--bundle', '--platform=browser', '--format=esm', '--metafile=meta.json', '--outfile=out/browser.js', '--log-level=warning']);
    expect(r.code, r.stderr).toBe(0);
    const inputs = Object.keys((JSON.parse(readFileSync(path.join(app, 'meta.json'), 'utf8')) as { inputs: object }).inputs);
    expect(inputs).toContain('node_modules/puretls/dist/web.js');
    expect(inputs.filter((i) => /^node:|puretls\/dist\/(index|transport\/node)/.test(i))).toEqual([]);
  });
});

describe('the Node API from the installed package', () => {
  it('createServer outlives a refusing client; connect({ host, port }) and request(url) open their own TCP; fingerprint256 and exportKeyingMaterial are Node\'s; checkServerIdentity refuses; ws to a closed port and a config error end cleanly', async () => {
    writeFileSync(
      path.join(app, 'node-api.mjs'),
      `import net from 'node:net';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { WebSocket } from 'ws';
import { createServer, connect, request, nodeStream, webSocketStream } from 'puretls';
const [chainPath, keyPath, caPath, otherCaPath] = process.argv.slice(2);
const ca = readFileSync(caPath, 'utf8');
const out = { clientErrors: [], served: 0 };
const code = (p) => p.then(() => 'resolved', (e) => e.code);
const server = createServer({ cert: readFileSync(chainPath, 'utf8'), key: readFileSync(keyPath, 'utf8') }, async (conn) => {
  out.served++;
  const reader = conn.readable.getReader();
  let head = '';
  while (!head.includes('\\r\\n\\r\\n')) {
    const { value, done } = await reader.read();
    if (done) return;
    head += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const w = conn.writable.getWriter();
  await w.write(new TextEncoder().encode('HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\nConnection: close\\r\\n\\r\\nok'));
  w.releaseLock();
  await conn.close();
});
server.on('tlsClientError', (e) => out.clientErrors.push(e.code));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = server.address().port;

// A client that does not trust the server refuses it; the server reports that client and goes on.
out.refusing = await code(connect({ host: '127.0.0.1', port, serverName: 'localhost', ca: readFileSync(otherCaPath, 'utf8') }));
await new Promise((r) => setTimeout(r, 200));

// connect({ host, port }) opens its own TCP connection; the peer certificate's fingerprint256 is Node's.
const conn = await connect({ host: 'localhost', port, ca });
const leafPem = readFileSync(chainPath, 'utf8').split(/(?<=-----END CERTIFICATE-----)/)[0];
out.fingerprintMatches = conn.peerCertificate().fingerprint256 === new X509Certificate(leafPem).fingerprint256;
out.version = conn.version;
const w = conn.writable.getWriter();
await w.write(new TextEncoder().encode('GET / HTTP/1.0\\r\\n\\r\\n'));
w.releaseLock();
await conn.readable.pipeTo(new WritableStream()).catch(() => {});

// request(url) opens its own TCP connection too.
const res = await request('https://localhost:' + port + '/', { tls: { ca } });
out.request = res.status + ' ' + (await res.text());

// checkServerIdentity can refuse (pinning).
out.pinned = await code(connect({ host: 'localhost', port, ca, checkServerIdentity: () => new Error('not the pinned key') }));

// ws to a closed port: rejected with io_transport, no unhandled 'error' event.
const closed = net.createServer();
await new Promise((r) => closed.listen(0, '127.0.0.1', r));
const closedPort = closed.address().port;
await new Promise((r) => closed.close(r));
out.wsClosedPort = await code(connect({ transport: webSocketStream(new WebSocket('ws://127.0.0.1:' + closedPort + '/')), serverName: 'localhost', ca }));

// A configuration error closes the transport it was given.
const sock = net.connect({ host: '127.0.0.1', port });
await new Promise((r) => sock.once('connect', r));
const sockClosed = new Promise((r) => sock.once('close', () => r(true)));
out.configError = await code(connect({ transport: nodeStream(sock), serverName: 'localhost', ca, cipherSuites: ['TLS_NOT_A_SUITE'] }));
out.socketClosed = await Promise.race([sockClosed, new Promise((r) => setTimeout(() => r(false), 5000))]);

for (let i = 0; i < 50 && out.clientErrors.length < 3; i++) await new Promise((r) => setTimeout(r, 100));
server.close();

// exportKeyingMaterial (RFC 5705) equals what Node's TLS computes on the other end.
const nodeServer = tls.createServer({ cert: readFileSync(chainPath), key: readFileSync(keyPath), maxVersion: 'TLSv1.2' });
const nodeSide = new Promise((resolve) =>
  nodeServer.once('secureConnection', (s) => resolve(s.exportKeyingMaterial(32, 'EXPORTER-puretls-test', Buffer.from('context')).toString('hex'))),
);
await new Promise((r) => nodeServer.listen(0, '127.0.0.1', r));
const ekmConn = await connect({ host: 'localhost', port: nodeServer.address().port, ca });
const ours = Buffer.from(await ekmConn.exportKeyingMaterial(32, 'EXPORTER-puretls-test', new TextEncoder().encode('context'))).toString('hex');
out.ekmMatches = ours === (await nodeSide) && ours.length === 64;
nodeServer.close();
console.log(JSON.stringify(out));
process.exit(0);
`,
    );
    const r = await run(process.execPath, ['node-api.mjs', pki.serverRsa.chainPath, pki.serverRsa.keyPath, pki.caPath, pki.caEcdsaPath]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!)).toEqual({
      // The refusing client's alert, then the pinning client's; the config-error socket ends without a handshake.
      clientErrors: ['peer_alert_unknown_ca', 'peer_alert_bad_certificate', 'io_truncated'],
      refusing: 'cert_untrusted',
      served: 2,
      fingerprintMatches: true,
      version: 'TLSv1.3', // connect() and createServer(), both at their defaults
      request: '200 ok',
      pinned: 'cert_rejected',
      wsClosedPort: 'io_transport',
      configError: 'config_invalid',
      socketClosed: true,
      ekmMatches: true,
    });
  });
});

/** What each runtime's script prints: one JSON line. */
interface Outcome {
  runtime: string;
  entry: string;
  version: string;
  verified: boolean;
  page: string;
}

function outcome(r: Run): Outcome {
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  expect(line.startsWith('{'), `stdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(true);
  return JSON.parse(line) as Outcome;
}

/** The request each client sends, and how much of the answer it waits for. */
const CLIENT_BODY = `
async function exchange(conn) {
  const w = conn.writable.getWriter();
  await w.write(new TextEncoder().encode('GET / HTTP/1.0\\r\\n\\r\\n'));
  w.releaseLock();
  const reader = conn.readable.getReader();
  let page = '';
  while (!page.includes('HTTP/1.0 200 ok')) {
    const { value, done } = await reader.read();
    if (done) break;
    page += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return page.split('\\r\\n')[0];
}
`;

describe.skipIf(!hasOpenssl)('the installed package makes verified handshakes to openssl s_server', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ cert: pki.serverRsa.certPath, key: pki.serverRsa.keyPath, chain: pki.intermediatePath, args: ['-www'] });
    writeFileSync(
      path.join(app, 'node-client.mjs'),
      `import net from 'node:net';
import { readFileSync } from 'node:fs';
import * as puretls from 'puretls';
const [port, caPath] = process.argv.slice(2);
${CLIENT_BODY}
const sock = net.connect({ host: '127.0.0.1', port: Number(port) });
await new Promise((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
const conn = await puretls.connect({ transport: puretls.nodeStream(sock), serverName: 'localhost', ca: readFileSync(caPath, 'utf8') });
const page = await exchange(conn);
const runtime = typeof Bun !== 'undefined' ? 'bun' : 'node';
console.log(JSON.stringify({ runtime, entry: typeof puretls.nodeStream === 'function' ? 'node' : 'web', version: conn.version, verified: conn.verification.ok, page }));
sock.destroy();
process.exit(0);
`,
    );
    writeFileSync(
      path.join(app, 'deno-client.mjs'),
      `import * as puretls from 'puretls';
const [port, caPath] = Deno.args;
${CLIENT_BODY}
const tcp = await Deno.connect({ hostname: '127.0.0.1', port: Number(port) });
const conn = await puretls.connect({ transport: { readable: tcp.readable, writable: tcp.writable }, serverName: 'localhost', ca: await Deno.readTextFile(caPath) });
const page = await exchange(conn);
console.log(JSON.stringify({ runtime: 'deno', entry: typeof puretls.nodeStream === 'function' ? 'node' : 'web', version: conn.version, verified: conn.verification.ok, page }));
Deno.exit(0);
`,
    );
  });

  it('puretls conformance runs outside the repository, on the PKI the package ships', async () => {
    const bin = path.join(app, 'node_modules/.bin/puretls');
    const r = await run(bin, ['conformance', '--peer', 'openssl', '--version', 'TLSv1.2', '--suite', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', '--no-client-auth', '--no-resumption']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^2 passed, 0 failed, 0 unsupported$/m);
  });

  it('Node, through the node entry', async () => {
    const o = outcome(await run(process.execPath, ['node-client.mjs', String(server.port), pki.caPath]));
    expect(o).toEqual({ runtime: 'node', entry: 'node', version: 'TLSv1.3', verified: true, page: 'HTTP/1.0 200 ok' });
    // The same script refuses a server its CA does not anchor: the verification is real.
    const bad = await run(process.execPath, ['node-client.mjs', String(server.port), pki.caEcdsaPath]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('cert_untrusted');
  });

  it('Deno, through the portable entry (the deno condition)', async () => {
    const r = await run(repoBin('deno'), ['run', '--allow-net=127.0.0.1', '--allow-read', '--allow-env', 'deno-client.mjs', String(server.port), pki.caPath], {
      env: { DENO_DIR: path.join(tmp, 'deno-dir'), DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
    });
    expect(outcome(r)).toEqual({ runtime: 'deno', entry: 'web', version: 'TLSv1.3', verified: true, page: 'HTTP/1.0 200 ok' });
  });

  it('Bun, through the node entry', async () => {
    const r = await run(repoBin('bun'), ['node-client.mjs', String(server.port), pki.caPath], { env: { BUN_INSTALL_CACHE_DIR: path.join(tmp, 'bun-cache'), NO_COLOR: '1' } });
    expect(outcome(r)).toEqual({ runtime: 'bun', entry: 'node', version: 'TLSv1.3', verified: true, page: 'HTTP/1.0 200 ok' });
  });

  it('workerd: a Worker over cloudflare:sockets, bundled as wrangler bundles', async () => {
    writeFileSync(
      path.join(app, 'worker-src.mjs'),
      `import { connect as tcpConnect } from 'cloudflare:sockets';
import * as puretls from 'puretls';
const CA = ${JSON.stringify(pki.ca)};
${CLIENT_BODY}
export default {
  async fetch(request) {
    try {
      const port = Number(new URL(request.url).searchParams.get('port'));
      const socket = tcpConnect({ hostname: '127.0.0.1', port });
      const conn = await puretls.connect({ transport: { readable: socket.readable, writable: socket.writable }, serverName: 'localhost', ca: CA });
      const page = await exchange(conn);
      await socket.close();
      return Response.json({ runtime: 'workerd', entry: typeof puretls.nodeStream === 'function' ? 'node' : 'web', version: conn.version, verified: conn.verification.ok, page });
    } catch (e) {
      return new Response(String(e && e.stack || e), { status: 500 });
    }
  },
};
`,
    );
    // What wrangler does for a Worker without nodejs_compat: esbuild, the workerd/worker/browser conditions.
    const esbuild = path.join(app, 'node_modules/.bin/esbuild');
    const b = await run(esbuild, [
      'worker-src.mjs', '--bundle', '--format=esm', '--platform=neutral', '--conditions=workerd,worker,browser', '--main-fields=browser,module,main',
      '--external:cloudflare:*', '--target=es2022', '--outfile=worker/worker.js', '--log-level=warning',
    ]);
    expect(b.code, b.stderr).toBe(0);
    const port = await freePort();
    writeFileSync(
      path.join(app, 'worker/config.capnp'),
      `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "loopback", network = (allow = ["local", "private"])),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = "2025-06-01",
  globalOutbound = "loopback",
);
`,
    );
    const child = spawn(repoBin('workerd'), ['serve', 'config.capnp'], { cwd: path.join(app, 'worker'), stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let log = '';
    child.stdout!.on('data', (d) => (log += d));
    child.stderr!.on('data', (d) => (log += d));
    try {
      await waitForPort(port, 30000, () => child.exitCode === null).catch((e) => {
        throw new Error(`${(e as Error).message}\n${log}`);
      });
      const res = await fetch(`http://127.0.0.1:${port}/?port=${server.port}`).catch((e: Error) => {
        throw new Error(`${e.message} (${String((e.cause as Error | undefined)?.message)}), exit ${child.exitCode}\n${log}`);
      });
      const text = await res.text();
      expect(res.status, `${text}\n${log}`).toBe(200);
      expect(JSON.parse(text)).toEqual({ runtime: 'workerd', entry: 'web', version: 'TLSv1.3', verified: true, page: 'HTTP/1.0 200 ok' });
    } finally {
      child.kill('SIGKILL');
      children.delete(child);
    }
  });
});
