/**
 * Resumption cells with the peer as the client (OpenSSL s_client -sess_out / -sess_in against our ServerContext):
 * by ticket and by session id they pass; a client that cannot offer what the server kept, or that does not itself
 * report reuse, fails the cell with a code; a client without resumption support makes the cell unsupported.
 */
import { afterAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { buildMatrix, DRIVERS, RESUMPTION_SUITES, resumeBy, runCell, stopAll, type Cell, type PeerDriver } from '../../src/cli/conformance/index.js';
import { oneAfterOther, processClient } from '../../src/cli/conformance/peers/common.js';
import { opensslClientArgs } from '../../src/cli/conformance/peers/openssl.js';
import { suiteByName } from '../../src/crypto/suites.js';

const TICKET_SUITE = suiteByName('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256')!;
const ID_SUITE = suiteByName('TLS_RSA_WITH_AES_128_CBC_SHA')!;
const cell = (over: Partial<Cell> = {}): Cell => ({
  peer: 'openssl', peerRole: 'client', version: 'TLSv1.2', suite: TICKET_SUITE, keyType: 'RSA', clientAuth: false, resumption: true, ...over,
});
const OPTS = { timeoutMs: 20000 };
const noOpenssl = DRIVERS.openssl.missing();
if (noOpenssl) console.warn(`conformance resumption test: ${noOpenssl}; skipping the OpenSSL cells`);

afterAll(() => stopAll());

/** OpenSSL's client, its second run offering the first one's session or not, judged by `reused`. */
function opensslWith(offerSession: boolean, reused = DRIVERS.openssl.client!.resume!.reused): PeerDriver {
  return {
    ...DRIVERS.openssl,
    client: {
      unsupported: () => null,
      resume: {
        reused,
        start(c, port, line, work) {
          const sess = path.join(work.path, 'session.pem');
          const run = (io: string[]) => () => processClient('openssl', [...opensslClientArgs(c, port), '-ign_eof', ...io], line);
          return oneAfterOther(run(['-sess_out', sess]), run(offerSession ? ['-sess_in', sess] : []));
        },
      },
      start: DRIVERS.openssl.client!.start,
    },
  };
}

describe('the matrix', () => {
  it('has resumption cells with the peer as the client for every peer whose client can resume, 45 in all, Python and TLS 1.3 included', () => {
    const cells = buildMatrix({ roles: ['client'] }).filter((c) => c.resumption);
    expect(new Set(cells.map((c) => c.peer))).toEqual(new Set(['openssl', 'gnutls', 'botan', 'node', 'python']));
    expect(cells.filter((c) => !c.earlyData)).toHaveLength(45);
    // 0-RTT: OpenSSL's client sends early data (s_client -early_data); TLS 1.3, both leaf types.
    expect(cells.filter((c) => c.earlyData).map((c) => `${c.peer}/${c.version}/${c.keyType}`).sort()).toEqual(['openssl/TLSv1.3/ECDSA', 'openssl/TLSv1.3/RSA']);
    expect(cells.every((c) => RESUMPTION_SUITES.includes(c.suite.name) && !c.clientAuth)).toBe(true);
  });

  it('resumes by session id on static RSA and by ticket on ECDHE', () => {
    expect(resumeBy({ suite: ID_SUITE })).toBe('id');
    expect(resumeBy({ suite: TICKET_SUITE })).toBe('ticket');
    expect(resumeBy({ suite: suiteByName('TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA')! })).toBe('ticket');
  });

  it('a client that cannot resume makes the cell unsupported, with the reason', async () => {
    const { resume: _, ...client } = DRIVERS.node.client!;
    const r = await runCell({ ...DRIVERS.node, client }, cell({ peer: 'node' }), OPTS);
    expect([r.result, r.code, r.detail]).toEqual(['unsupported', undefined, "node's client cannot resume a session"]);
  });
});

describe.skipIf(noOpenssl !== null)('OpenSSL s_client against one ServerContext', () => {
  it('resumes by ticket (TLS 1.2 ECDHE_RSA AES-128-GCM): both sides report it, data both ways twice', async () => {
    const r = await runCell(DRIVERS.openssl, cell(), OPTS);
    expect([r.result, r.code, r.detail]).toEqual(['pass', undefined, undefined]);
  });

  it('resumes a TLS 1.3 session by PSK ticket (TLS_AES_128_GCM_SHA256, ECDSA leaf): both sides report it', async () => {
    const r = await runCell(DRIVERS.openssl, cell({ version: 'TLSv1.3', suite: suiteByName('TLS_AES_128_GCM_SHA256')!, keyType: 'ECDSA' }), OPTS);
    expect([r.result, r.code, r.detail]).toEqual(['pass', undefined, undefined]);
  });

  it('0-RTT: s_client -early_data with our ticket, accepted by both sides (TLS_AES_128_GCM_SHA256, RSA leaf)', async () => {
    const r = await runCell(DRIVERS.openssl, cell({ version: 'TLSv1.3', suite: suiteByName('TLS_AES_128_GCM_SHA256')!, earlyData: true }), OPTS);
    expect([r.result, r.code, r.detail]).toEqual(['pass', undefined, undefined]);
  });

  it('0-RTT: a client that sends its line after the handshake instead fails the cell (conformance_early_data_rejected)', async () => {
    const r = await runCell(opensslWith(true), cell({ version: 'TLSv1.3', suite: suiteByName('TLS_AES_128_GCM_SHA256')!, earlyData: true }), OPTS);
    expect([r.result, r.code]).toEqual(['fail', 'conformance_early_data_rejected']);
  });

  it('resumes by session id (TLS 1.0 RSA AES-128-CBC-SHA)', async () => {
    const r = await runCell(DRIVERS.openssl, cell({ version: 'TLSv1', suite: ID_SUITE }), OPTS);
    expect([r.result, r.code, r.detail]).toEqual(['pass', undefined, undefined]);
  });

  it('a second connection that offers no session: conformance_not_resumed', async () => {
    const r = await runCell(opensslWith(false), cell(), OPTS);
    expect([r.result, r.code]).toEqual(['fail', 'conformance_not_resumed']);
  });

  it('our side resuming is not enough: the peer must report reuse too', async () => {
    const r = await runCell(opensslWith(true, () => false), cell({ suite: ID_SUITE }), OPTS);
    expect([r.result, r.code]).toEqual(['fail', 'conformance_peer_not_resumed']);
  });
});
