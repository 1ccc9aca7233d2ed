/** checkOcspResponse on hostile staples that other suites do not reach (see test/session/ocsp.test.ts for the rest). */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { checkOcspResponse } from '../../src/x509/ocsp.js';
import { parseCertificate } from '../../src/x509/certificate.js';
import { derBlobs } from '../../src/pem.js';
import { pki, repoRoot } from '../helpers/pki.js';

const good = new Uint8Array(readFileSync(path.join(repoRoot, 'vectors/ocsp/good.der')));
const leaf = parseCertificate(derBlobs(pki.serverRsa.cert)[0]!.der);
const issuer = parseCertificate(derBlobs(pki.intermediate)[0]!.der);

describe('checkOcspResponse signature algorithm', () => {
  it('RSASSA-PSS with non-SEQUENCE parameters is a bad certificate status, not a malformed certificate', () => {
    // The response's own signatureAlgorithm (the first sha256WithRSAEncryption AlgorithmIdentifier: the
    // embedded certificates come after it) becomes id-RSASSA-PSS with NULL parameters, same length.
    const sha256WithRsa = Buffer.from('300d06092a864886f70d01010b0500', 'hex');
    const at = Buffer.from(good).indexOf(sha256WithRsa);
    expect(at).toBeGreaterThan(0);
    const response = good.slice();
    response[at + 12] = 0x0a;
    let err: { code?: string; message?: string } | undefined;
    try {
      checkOcspResponse({ response, leaf, issuer, now: new Date() });
    } catch (e) {
      err = e as typeof err;
    }
    expect(err?.code).toBe('protocol_bad_certificate_status');
    expect(err?.message).toMatch(/RSASSA-PSS-params/);
  });
});
