/** TLS 1.3 signature scheme rules (RFC 8446 §4.2.3, §4.4.3): PSS only for RSA, ECDSA bound to the curve. */
import { describe, it, expect } from 'vitest';
import { parsePrivateKey } from '../../src/crypto/keys.js';
import { schemeAllowed13, chooseOwnScheme13, peerSigAlg13, DEFAULT_SIGNATURE_SCHEMES } from '../../src/handshake/signature-schemes.js';
import { pki, readPki } from '../helpers/pki.js';
import { codeOf } from '../helpers/codes.js';

const rsa = parsePrivateKey(pki.serverRsa.key);
const p256 = parsePrivateKey(pki.serverEcdsa.key);
const p384 = parsePrivateKey(readPki('ca-ecdsa.key'));

describe('TLS 1.3 CertificateVerify schemes', () => {
  it('RSA keys: rsa_pss_rsae_* only, never PKCS#1 v1.5', () => {
    expect(schemeAllowed13(0x0804, rsa)).toBe(true);
    expect(schemeAllowed13(0x0806, rsa)).toBe(true);
    expect(schemeAllowed13(0x0401, rsa)).toBe(false);
    expect(schemeAllowed13(0x0201, rsa)).toBe(false);
    expect(chooseOwnScheme13([0x0401, 0x0804], DEFAULT_SIGNATURE_SCHEMES, rsa).id).toBe(0x0804);
    expect(codeOf(() => chooseOwnScheme13([0x0401, 0x0501], DEFAULT_SIGNATURE_SCHEMES, rsa))).toBe('protocol_no_shared_sigalg');
  });
  it('ECDSA keys: only the scheme whose hash is bound to the key\'s curve', () => {
    expect(p256.kind === 'ec' && p256.curve).toBe('P-256');
    expect(schemeAllowed13(0x0403, p256)).toBe(true);
    expect(schemeAllowed13(0x0503, p256)).toBe(false);
    expect(p384.kind === 'ec' && p384.curve).toBe('P-384');
    expect(schemeAllowed13(0x0503, p384)).toBe(true);
    expect(schemeAllowed13(0x0403, p384)).toBe(false);
    expect(chooseOwnScheme13([0x0403, 0x0503], DEFAULT_SIGNATURE_SCHEMES, p384).id).toBe(0x0503);
  });
  it('a peer scheme we did not offer, or one 1.3 forbids for its key, is illegal_parameter', () => {
    const pub = { kind: 'rsa', n: (rsa as { n: bigint }).n, e: 65537n, bits: 2048 } as const;
    expect(peerSigAlg13(0x0804, [0x0804], pub)).toEqual({ kind: 'rsa-pss', hash: 'sha256' });
    expect(codeOf(() => peerSigAlg13(0x0805, [0x0804], pub))).toBe('protocol_illegal_parameter');
    expect(codeOf(() => peerSigAlg13(0x0401, [0x0401, 0x0804], pub))).toBe('protocol_illegal_parameter');
  });
});
