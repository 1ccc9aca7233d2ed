/** The key a server checks the client's CertificateVerify with, as both server flows (1.2 and 1.3) take it. */
import { CertificateError, TlsError } from '../errors.js';
import type { PublicKey } from '../crypto/types.js';
import { certificatePublicKey, parseCertificate } from '../x509/certificate.js';

/**
 * The client leaf's public key. RFC 5280 §4.2.1.3: a key restricted by keyUsage signs CertificateVerify only with
 * digitalSignature (as the client checks the server's leaf).
 */
export function clientCertificateKey(leafDer: Uint8Array): PublicKey {
  let key: PublicKey;
  let keyUsage: Set<string> | undefined;
  try {
    const leaf = parseCertificate(leafDer);
    keyUsage = leaf.extensions.keyUsage;
    key = certificatePublicKey(leaf);
  } catch (e) {
    if (e instanceof TlsError) throw new CertificateError('cert_unsupported_key', `the client certificate key is not usable: ${e.message}`);
    throw e;
  }
  if (keyUsage && !keyUsage.has('digitalSignature')) {
    throw new CertificateError('cert_bad_key_usage', "the client certificate's keyUsage does not allow digitalSignature, which CertificateVerify needs");
  }
  return key;
}
