/**
 * The conformance harness itself (the full matrix runs from `npm run conformance`): one cell per peer kind and
 * direction passes, impossible cells are 'unsupported', a broken peer gives 'fail' with a code, the JSON report
 * has the contract's shape, the expectations comparison catches regressions, and --target finds a known subset.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  buildMatrix, cellKey, compare, DRIVERS, probeTarget, runCell, runConformance, stopAll, table, toExpectations, toJson,
  type Cell, type CellResult, type PeerDriver,
} from '../../src/cli/conformance/index.js';
import { suiteByName, tls12SuiteByName } from '../../src/crypto/suites.js';
import { startServer, stopAll as stopOpenssl } from '../helpers/openssl.js';
import { pki } from '../helpers/pki.js';

const SUITE = tls12SuiteByName('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256')!;
const cellFor = (peer: Cell['peer'], peerRole: Cell['peerRole'], over: Partial<Cell> = {}): Cell => ({
  peer, peerRole, version: 'TLSv1.2', suite: SUITE, keyType: SUITE.auth, clientAuth: false, resumption: false, ...over,
});
const OPTS = { timeoutMs: 20000 };

afterAll(async () => {
  await stopAll();
  await stopOpenssl();
});

describe('one cell per peer kind and direction', () => {
  const kinds: [Cell['peer'], Cell['peerRole']][] = [
    ['openssl', 'server'], ['openssl', 'client'], ['gnutls', 'server'], ['gnutls', 'client'], ['botan', 'server'],
    ['botan', 'client'], ['mbedtls', 'server'], ['wolfssl', 'server'], ['node', 'server'], ['node', 'client'],
    ['python', 'server'], ['python', 'client'],
  ];
  for (const [peer, role] of kinds) {
    const missing = DRIVERS[peer].missing();
    if (missing) console.warn(`conformance test: ${peer} not installed (${missing}); run scripts/install-peers.sh — skipping`);
    it.skipIf(missing !== null)(`${peer} as ${role}: TLSv1.2 ${SUITE.name} passes`, async () => {
      // A Python interpreter takes seconds to start on a loaded machine.
      const r = await runCell(DRIVERS[peer], cellFor(peer, role), peer === 'python' ? { timeoutMs: 50000 } : OPTS);
      expect(r.detail ?? '').toBe('');
      expect(r.result).toBe('pass');
    });
  }

  it.skipIf(DRIVERS.openssl.missing() !== null)('client authentication and TLS 1.0 with an ECDSA leaf pass against OpenSSL', async () => {
    const ecdsa = tls12SuiteByName('TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA')!;
    for (const role of ['server', 'client'] as const) {
      const r = await runCell(DRIVERS.openssl, cellFor('openssl', role, { version: 'TLSv1', suite: ecdsa, keyType: 'ECDSA', clientAuth: true }), OPTS);
      expect([r.result, r.code, r.detail]).toEqual(['pass', undefined, undefined]);
    }
  });
});

describe('cells a peer cannot do are unsupported, with the reason', () => {
  it('Botan CLI has no client-certificate options; wolfSSL lacks TLS 1.0 and static RSA; mbedTLS has no client here', () => {
    expect(DRIVERS.botan.server!.unsupported(cellFor('botan', 'server', { clientAuth: true }))).toMatch(/client-certificate/);
    expect(DRIVERS.wolfssl.server!.unsupported(cellFor('wolfssl', 'server', { version: 'TLSv1', suite: tls12SuiteByName('TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA')! }))).toMatch(/TLS 1\.0/);
    expect(DRIVERS.wolfssl.server!.unsupported(cellFor('wolfssl', 'server', { suite: tls12SuiteByName('TLS_RSA_WITH_AES_128_GCM_SHA256')! }))).toMatch(/static-RSA/);
    expect(DRIVERS.mbedtls.client).toBeUndefined();
    expect(buildMatrix({ peers: ['mbedtls'] }).every((c) => c.peerRole === 'server')).toBe(true);
  });

  it('runCell reports them as unsupported without starting anything', async () => {
    const r = await runCell(DRIVERS.botan, cellFor('botan', 'client', { clientAuth: true }), OPTS);
    expect(r.result).toBe('unsupported');
    expect(r.code).toBeUndefined();
  });
});

describe('a broken peer fails the cell with a code', () => {
  it.skipIf(DRIVERS.openssl.missing() !== null)('a server whose certificate chains to another root: cert_untrusted', async () => {
    // OpenSSL serving the leaf of the separate ECDSA hierarchy, which ca.pem does not anchor.
    const broken: PeerDriver = {
      ...DRIVERS.openssl,
      server: {
        unsupported: () => null,
        async start() {
          const s = await startServer({
            cert: pki.serverEcdsaEcca.certPath, key: pki.serverEcdsaEcca.keyPath, chain: pki.intermediateEcdsaPath,
            args: ['-www', '-tls1_2'],
          });
          return { port: s.port, app: 'http', path: '/', output: s.output, stop: s.stop };
        },
      },
    };
    const ecdsa = tls12SuiteByName('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256')!;
    const r = await runCell(broken, cellFor('openssl', 'server', { suite: ecdsa, keyType: 'ECDSA' }), OPTS);
    expect(r.result).toBe('fail');
    expect(r.code).toBe('cert_untrusted');
  });

  it('a peer whose program does not run: conformance_peer_start', async () => {
    const broken: PeerDriver = {
      ...DRIVERS.openssl,
      missing: () => null,
      server: {
        unsupported: () => null,
        start: () => Promise.reject(new Error('spawn no-such-tls-server ENOENT')),
      },
    };
    const r = await runCell(broken, cellFor('openssl', 'server'), OPTS);
    expect([r.result, r.code]).toEqual(['fail', 'conformance_peer_start']);
  });

  it('a peer that is not installed: conformance_peer_missing, not unsupported', async () => {
    const r = await runCell({ ...DRIVERS.gnutls, missing: () => 'gnutls-serv not found' }, cellFor('gnutls', 'server'), OPTS);
    expect([r.result, r.code]).toEqual(['fail', 'conformance_peer_missing']);
  });
});

function result(cell: Cell, outcome: CellResult['result'], code?: string): CellResult {
  return { cell, result: outcome, ...(code ? { code } : {}), ms: 1 };
}

describe('reports', () => {
  it('JSON cells have exactly the contract fields and values', () => {
    const json = toJson([result(cellFor('openssl', 'server'), 'pass'), result(cellFor('gnutls', 'client', { clientAuth: true }), 'fail', 'crypto_bad_finished'), result(cellFor('botan', 'server'), 'unsupported')]);
    expect(Object.keys(json)).toEqual(['cells']);
    const allowed = ['peer', 'peerRole', 'version', 'suite', 'keyType', 'clientAuth', 'resumption', 'result', 'code'];
    for (const c of json.cells) {
      for (const k of Object.keys(c)) expect(allowed).toContain(k);
      expect(['openssl', 'gnutls', 'botan', 'mbedtls', 'wolfssl', 'node']).toContain(c.peer);
      expect(['server', 'client']).toContain(c.peerRole);
      expect(['TLSv1', 'TLSv1.1', 'TLSv1.2']).toContain(c.version);
      expect(['RSA', 'ECDSA']).toContain(c.keyType);
      expect(['pass', 'fail', 'unsupported']).toContain(c.result);
      expect(typeof c.suite).toBe('string');
      expect(c.code === undefined).toBe(c.result !== 'fail');
    }
    expect(json.cells[1]).toMatchObject({ suite: SUITE.name, clientAuth: true, result: 'fail', code: 'crypto_bad_finished' });
  });

  it('the table: one mark per version in each peer column, numbered under its name, TLS 1.3 in the fourth place', () => {
    const s13 = suiteByName('TLS_AES_128_GCM_SHA256')!;
    const cbc = tls12SuiteByName('TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA')!;
    const text = table([
      result(cellFor('openssl', 'server', { version: 'TLSv1.3', suite: s13, keyType: 'RSA' }), 'pass'),
      result(cellFor('openssl', 'server', { version: 'TLSv1.3', suite: s13, keyType: 'ECDSA', resumption: true, earlyData: true }), 'fail', 'x'),
      result(cellFor('openssl', 'server'), 'pass'),
      result(cellFor('openssl', 'server', { version: 'TLSv1', suite: cbc, keyType: 'RSA' }), 'unsupported'),
      result(cellFor('openssl', 'server', { version: 'TLSv1.2', suite: cbc, keyType: 'RSA' }), 'pass'),
      result(cellFor('chromium', 'client', { version: 'TLSv1.3', suite: s13, keyType: 'RSA' }), 'pass'),
    ]);
    const lines = text.split('\n');
    // The four marks at a column (a line's trailing blanks are trimmed).
    const marks = (l: string, at: number) => l.padEnd(at + 4).slice(at, at + 4);
    expect(lines[0]).toContain('3 TLS 1.3');
    expect(lines[2]).toMatch(/^suite +key +openssl:s +chromium:c$/);
    const col = lines[2]!.indexOf('openssl:s');
    const chromiumCol = lines[2]!.indexOf('chromium:c');
    expect(marks(lines[3]!, col)).toBe('0123');
    expect(marks(lines[3]!, chromiumCol)).toBe('0123');
    const row = (name: string, key: string) => lines.find((l) => new RegExp(`^${name.replace(/\+/g, '\\+')} +${key} `).test(l))!;
    expect(marks(row('AES_128_GCM_SHA256', 'R'), col)).toBe('   ✓');
    expect(marks(row('AES_128_GCM_SHA256', 'R'), chromiumCol)).toBe('   ✓');
    expect(marks(row('AES_128_GCM_SHA256 +0-RTT', 'E'), col)).toBe('   ✗');
    expect(marks(row('ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'R'), col)).toBe('  ✓ ');
    expect(marks(row('ECDHE_RSA_WITH_AES_128_CBC_SHA', 'R'), col)).toBe('· ✓ ');
  });

  it('the expectations comparison flags a pass that is lost, and reports new passes', () => {
    const a = cellFor('openssl', 'server');
    const b = cellFor('gnutls', 'server');
    const c = cellFor('node', 'client');
    const expected = toExpectations([result(a, 'pass'), result(b, 'pass'), result(c, 'fail', 'x')]);
    expect(expected.cells[cellKey(a)]).toBe('pass');
    const cmp = compare([result(a, 'pass'), result(b, 'unsupported'), result(c, 'pass')], expected);
    expect(cmp.regressions.map((r) => r.cell)).toEqual([b]);
    expect(cmp.newPasses.map((r) => r.cell)).toEqual([c]);
    // A filtered run keeps the cells it did not run.
    const merged = toExpectations([result(a, 'fail', 'y')], expected);
    expect(merged.cells).toEqual({ ...expected.cells, [cellKey(a)]: 'fail' });
  });

  it('the matrix: 27 suites in TLS 1.2, the 8 SHA-1 CBC suites in TLS 1.0/1.1, client auth and resumption on a subset', () => {
    const base = buildMatrix({ peers: ['openssl'], roles: ['server'], clientAuth: false, resumption: false });
    expect(base.filter((c) => c.version === 'TLSv1.2')).toHaveLength(27);
    expect(base.filter((c) => c.version === 'TLSv1')).toHaveLength(8);
    expect(base.filter((c) => c.version !== 'TLSv1.3').every((c) => c.suite.protocol === 'tls12' && c.keyType === c.suite.auth)).toBe(true);
    // TLS 1.3: the three suites, each with an RSA and an ECDSA leaf.
    expect(base.filter((c) => c.version === 'TLSv1.3').map((c) => `${c.suite.name}/${c.keyType}${c.hrr ? '/hrr' : ''}`).sort()).toEqual([
      'TLS_AES_128_GCM_SHA256/ECDSA', 'TLS_AES_128_GCM_SHA256/ECDSA/hrr', 'TLS_AES_128_GCM_SHA256/RSA', 'TLS_AES_128_GCM_SHA256/RSA/hrr',
      'TLS_AES_256_GCM_SHA384/ECDSA', 'TLS_AES_256_GCM_SHA384/RSA', 'TLS_CHACHA20_POLY1305_SHA256/ECDSA', 'TLS_CHACHA20_POLY1305_SHA256/RSA',
    ]);
    expect(buildMatrix({ peers: ['openssl'], roles: ['server'] }).filter((c) => c.clientAuth).length).toBeGreaterThan(0);
    expect(buildMatrix({ peers: ['openssl'], resumption: false }).some((c) => c.resumption)).toBe(false);
    const resumed = buildMatrix({ peers: ['openssl'] }).filter((c) => c.resumption);
    // 3 suites: ECDHE_RSA GCM in TLS 1.2 only, the two SHA-1 CBC ones in all three versions; TLS 1.3 AES-128-GCM
    // with an RSA and an ECDSA leaf; both roles.
    // ... and the two 0-RTT cells (resumption cells too) in each role: OpenSSL's client sends early data to our
    // server, our client sends it to s_server -early_data.
    expect(resumed.filter((c) => c.peerRole === 'server')).toHaveLength(11);
    expect(resumed.filter((c) => c.peerRole === 'client')).toHaveLength(11);
    expect(resumed.filter((c) => c.version === 'TLSv1.3').map((c) => `${c.peerRole}/${c.keyType}${c.earlyData ? '/0-RTT' : ''}`).sort()).toEqual([
      'client/ECDSA', 'client/ECDSA/0-RTT', 'client/RSA', 'client/RSA/0-RTT', 'server/ECDSA', 'server/ECDSA/0-RTT', 'server/RSA', 'server/RSA/0-RTT',
    ]);
    // Post-quantum cells only where the peer has ML-KEM: none for OpenSSL 3.0.
    expect(buildMatrix({ peers: ['openssl'] }).some((c) => c.pq)).toBe(false);
  });

  it('chromium: TLS 1.3 client cells only, the pq cells on TLS_AES_128_GCM_SHA256 with both leaves', () => {
    const cells = buildMatrix({ peers: ['chromium'] });
    expect(cells.every((c) => c.version === 'TLSv1.3' && c.peerRole === 'client')).toBe(true);
    expect(cells.filter((c) => c.pq).map(cellKey).sort()).toEqual([
      'chromium/client/TLSv1.3/TLS_AES_128_GCM_SHA256/ECDSA/pq',
      'chromium/client/TLSv1.3/TLS_AES_128_GCM_SHA256/RSA/pq',
    ]);
    expect(toJson([result(cells.find((c) => c.pq)!, 'pass')]).cells[0]).toMatchObject({ peer: 'chromium', pq: true });
  });
});

describe.skipIf(DRIVERS.chromium.missing() !== null)('the post-quantum cell against a real browser', () => {
  it('headless Chromium as the client negotiates X25519MLKEM768 with our server (the only group it takes)', async () => {
    const cell = buildMatrix({ peers: ['chromium'] }).find((c) => c.pq && c.keyType === 'RSA')!;
    const r = await runCell(DRIVERS.chromium, cell, { timeoutMs: 60000 });
    expect([r.result, r.code, r.detail]).toEqual(['pass', undefined, undefined]);
  }, 70000);
});

describe.skipIf(DRIVERS.openssl.missing() !== null)('runConformance end to end', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'puretls-conf-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const sink = () => {
    let text = '';
    return { write: (s: string) => (text += s), text: () => text };
  };

  it('writes the JSON report, prints the summary line alone, exits 0 when the expectations hold', async () => {
    const out = sink();
    const json = path.join(dir, 'out.json');
    const expected = path.join(dir, 'expected.json');
    writeFileSync(expected, JSON.stringify({ cells: {} }));
    const code = await runConformance(['--peer', 'openssl', '--version', 'TLSv1.2', '--suite', SUITE.name, '--json', json, '--expected', expected], { out, err: sink() });
    expect(code).toBe(0);
    // plain, +clientAuth, +resumption × two roles
    expect(out.text()).toMatch(/^6 passed, 0 failed, 0 unsupported$/m);
    const report = JSON.parse(readFileSync(json, 'utf8')) as { cells: { result: string }[] };
    expect(report.cells).toHaveLength(6);
    expect(report.cells.every((c) => c.result === 'pass')).toBe(true);
  });

  it('exits 1 when a cell that passed in the expectations does not pass now', async () => {
    const expected = path.join(dir, 'expected-regress.json');
    // Claim wolfSSL passed a TLS 1.0 cell it cannot do: that cell is now 'unsupported', a regression.
    const cbc = tls12SuiteByName('TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA')!;
    writeFileSync(expected, JSON.stringify({ cells: { [cellKey(cellFor('wolfssl', 'server', { version: 'TLSv1', suite: cbc }))]: 'pass' } }));
    const out = sink();
    const code = await runConformance(['--peer', 'wolfssl', '--version', 'TLSv1', '--suite', cbc.name, '--no-client-auth', '--expected', expected], { out, err: sink() });
    expect(out.text()).toMatch(/REGRESSION wolfssl\/server\/TLSv1\//);
    expect(code).toBe(1);
  });

  it('exits 2 on a bad option', async () => {
    expect(await runConformance(['--peer', 'schannel'], { out: sink(), err: sink() })).toBe(2);
  });
});

describe.skipIf(DRIVERS.openssl.missing() !== null)('--target probe', () => {
  it('finds exactly the suites and version an s_server was given, with verification', async () => {
    const s = await startServer({
      cert: pki.serverRsa.certPath, key: pki.serverRsa.keyPath, chain: pki.intermediatePath,
      args: ['-www', '-tls1_2', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256:AES256-SHA'],
    });
    try {
      const results = await probeTarget({ host: '127.0.0.1', port: s.port, serverName: 'localhost', caFile: pki.caPath, versions: ['TLSv1', 'TLSv1.2'], concurrency: 2 });
      const accepted = results.filter((r) => r.accepted).map((r) => `${r.version} ${r.suite}`);
      expect(accepted.sort()).toEqual(['TLSv1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLSv1.2 TLS_RSA_WITH_AES_256_CBC_SHA']);
      expect(results.filter((r) => r.accepted).every((r) => r.verification === 'ok')).toBe(true);
      expect(results.filter((r) => !r.accepted).every((r) => typeof r.code === 'string')).toBe(true);
      expect(results).toHaveLength(27 + 8);
    } finally {
      await s.stop();
    }
  });

  it('reports a verification failure without hiding the accepted suites', async () => {
    const s = await startServer({ cert: pki.serverRsa.certPath, key: pki.serverRsa.keyPath, chain: pki.intermediatePath, args: ['-www', '-tls1_2'] });
    try {
      const results = await probeTarget({ host: '127.0.0.1', port: s.port, serverName: 'not-this-host.example', caFile: pki.caPath, versions: ['TLSv1.2'], suites: [SUITE] });
      expect(results[0]).toMatchObject({ accepted: true, verification: 'cert_hostname_mismatch' });
    } finally {
      await s.stop();
    }
  });
});
