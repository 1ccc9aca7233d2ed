/**
 * The figure a browser user gets (issue 21, reported, no target): headless Chromium downloads the same bytes from a
 * local HTTPS server (Node's https, TLS 1.3, TLS_AES_128_GCM_SHA256) twice, measured in the page:
 * - puretls in the page (the browser bundle, its default provider: WebCrypto AES-GCM), through a WebSocket to
 *   puretls's relay, which forwards ciphertext to the server over TCP;
 * - Chromium's own fetch() over HTTPS (BoringSSL), launched with --ignore-certificate-errors for the test PKI.
 * Everything listens on 127.0.0.1. Skipped (reported as missing) without a Chromium binary.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startRelay } from '../src/cli/relay.js';
import { pki, repoRoot, step, wanted, type Budget, type ImplResult } from './common.js';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const SUITE = 'TLS_AES_128_GCM_SHA256';
const CHUNK = 64 * 1024;

const PAGE = `<!doctype html><meta charset="utf-8"><title>puretls bench</title>
<script type="module">
import { request, webSocketStream } from './puretls.js';
const drain = async (res) => {
  const r = res.body.getReader();
  let n = 0;
  for (;;) { const x = await r.read(); if (x.done) return n; n += x.value.length; }
};
// Bytes received and milliseconds from the request to the last byte.
window.viaPuretls = async (cfg, bytes) => {
  const t0 = performance.now();
  const res = await request(cfg.url + '?n=' + bytes, {
    connect: () => webSocketStream(new WebSocket(cfg.relay)),
    tls: { ca: cfg.ca, minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' },
    timeoutMs: 0,
  });
  const n = await drain(res);
  return { n, ms: performance.now() - t0 };
};
window.viaFetch = async (cfg, bytes) => {
  const t0 = performance.now();
  const res = await fetch(cfg.fetchUrl + '?n=' + bytes, { cache: 'no-store' });
  const n = await drain(res);
  return { n, ms: performance.now() - t0 };
};
window.ready = true;
</script>`;

/** The budget of the Chromium step: the bundle's build, the browser's start and two downloads of about b.seconds. */
export const chromiumBudgetSeconds = (b: Budget): number => 2 * b.seconds + 15;

export async function chromiumRows(b: Budget): Promise<ImplResult> {
  const out: ImplResult = { rows: [], missing: [], notes: [] };
  if (!wanted(b, 'bulk_mb_per_s', 'AES_GCM', 'TLSv1.3')) return out;
  const missing = (why: string) => {
    for (const impl of ['puretls-chromium', 'chromium'] as const) out.missing.push({ impl, metric: 'bulk_mb_per_s', why });
    return out;
  };
  if (!existsSync(CHROMIUM)) return missing(`no Chromium at ${CHROMIUM} (scripts/install-browser.sh, or set CHROMIUM)`);
  const row = { metric: 'bulk_mb_per_s', family: 'AES_GCM', suite: SUITE, version: 'TLSv1.3' } as const;
  // One step for both rows: its budget covers the bundle's build, the browser's start and two downloads.
  const r = await step(b, out, { impl: 'puretls-chromium', ...row }, () => measure(b), chromiumBudgetSeconds(b));
  if (r === undefined) {
    out.missing.push({ ...out.missing.at(-1)!, impl: 'chromium' });
    return out;
  }
  if (typeof r === 'string') return missing(r);
  const { ours, theirs, bytes } = r;
  out.rows.push({ impl: 'puretls-chromium', ...row, value: ours }, { impl: 'chromium', ...row, value: theirs });
  out.notes!.push(
    `chromium: a ${(bytes / 1e6).toFixed(0)} MB download over TLS 1.3 AES-128-GCM from Node's https on 127.0.0.1, timed in the page: ` +
      `puretls in the page (WebCrypto, through the WebSocket relay) ${ours.toFixed(1)} MB/s, Chromium's fetch ${theirs.toFixed(1)} MB/s ` +
      `(${(ours / theirs).toFixed(2)}×; reported, no target)`,
  );
  return out;
}

/** Both downloads' MB/s, or why they could not be measured. */
async function measure(b: Budget): Promise<{ ours: number; theirs: number; bytes: number } | string> {
  const built = spawnSync(process.execPath, ['scripts/build-browser.mjs', '--quiet'], { cwd: repoRoot, encoding: 'utf8' });
  if (built.status !== 0) return `the browser bundle did not build: ${built.stderr}`;
  const bundle = readFileSync(path.join(repoRoot, 'dist/browser/puretls.js'));
  const { chromium } = await import('playwright-core');

  const filler = Buffer.alloc(CHUNK, 0x61);
  const server = https.createServer(
    { key: pki('server-rsa.key'), cert: pki('server-rsa-chain.pem'), minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', ciphers: SUITE },
    (req, res) => {
      const n = Number(new URL(req.url ?? '/', 'https://x').searchParams.get('n') ?? 0);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(n), 'access-control-allow-origin': '*', 'cache-control': 'no-store' });
      let left = n;
      const pump = () => {
        while (left > 0) {
          const k = Math.min(left, CHUNK);
          left -= k;
          if (!res.write(k === CHUNK ? filler : filler.subarray(0, k))) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const target = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const relay = await startRelay({ allow: [target], log: () => {} });
  const page = http.createServer((req, res) => {
    if (req.url === '/puretls.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      return res.end(bundle);
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(PAGE);
  });
  await new Promise<void>((r) => page.listen(0, '127.0.0.1', r));
  const profile = mkdtempSync(path.join(os.tmpdir(), 'puretls-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--ignore-certificate-errors', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const tab = context.pages()[0] ?? (await context.newPage());
    await tab.goto(`http://127.0.0.1:${(page.address() as AddressInfo).port}/`);
    await tab.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true, undefined, { timeout: 30_000 });
    const port = target.split(':')[1];
    // puretls checks the name (the certificate is for localhost); the relay decides where the bytes go.
    const cfg = { url: `https://localhost:${port}/bulk`, fetchUrl: `https://127.0.0.1:${port}/bulk`, relay: relay.urlFor(target), ca: pki('ca.pem') };
    // A fixed size per run, from the budget (about as long as the other bulk rows at their speed), after a warm-up.
    const bytes = Math.round(b.seconds * 20e6);
    const download = async (fn: 'viaPuretls' | 'viaFetch') => {
      await tab.evaluate(([f, c, n]) => (window as unknown as Record<string, (c: unknown, n: number) => Promise<unknown>>)[f as string]!(c, n as number), [fn, cfg, 1e6] as const);
      const r = await tab.evaluate(([f, c, n]) => (window as unknown as Record<string, (c: unknown, n: number) => Promise<{ n: number; ms: number }>>)[f as string]!(c, n as number), [fn, cfg, bytes] as const);
      if (r.n !== bytes) throw new Error(`chromium bench: ${fn} received ${r.n} bytes of ${bytes}`);
      return r.n / 1e6 / (r.ms / 1000);
    };
    const ours = await download('viaPuretls');
    const theirs = await download('viaFetch');
    return { ours, theirs, bytes };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
    await relay.close();
    await new Promise((r) => page.close(r));
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}
