/**
 * Type tests, checked by `tsc -p tsconfig.json` (and by test/types/types.test.ts on its own): each @ts-expect-error
 * line must be an error, so a misspelt error code, suite, group or signature scheme name does not compile.
 */
import { TlsError, connect, createServerContext, type TlsErrorCode, type ByteStream } from '../../src/index.js';

export function describeError(e: unknown): string {
  if (!(e instanceof TlsError)) return 'not a TLS error';
  switch (e.code) {
    case 'cert_untrusted':
    case 'cert_hostname_mismatch':
    case 'peer_alert_handshake_failure':
    case 'peer_alert_unknown_255':
      return 'known';
    // @ts-expect-error: misspelt code
    case 'cert_untrsted':
      return 'misspelt';
    default:
      return e.code;
  }
}

export const good: TlsErrorCode = 'io_timeout';
// @ts-expect-error: misspelt code
export const bad: TlsErrorCode = 'io_timout';
// @ts-expect-error: a peer alert that does not exist
export const badAlert: TlsErrorCode = 'peer_alert_handshake_failur';

export function options(transport: ByteStream) {
  return [
    connect({ transport, serverName: 'x', cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ECDHE-RSA-AES128-GCM-SHA256'] }),
    connect({ transport, serverName: 'x', groups: ['x25519', 'P-256', 'ffdhe2048'], signatureAlgorithms: ['rsa_pss_rsae_sha256'] }),
    // @ts-expect-error: not a suite
    connect({ transport, serverName: 'x', cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA265'] }),
    // @ts-expect-error: not a group
    connect({ transport, serverName: 'x', groups: ['x25518'] }),
    // @ts-expect-error: not a signature scheme
    connect({ transport, serverName: 'x', signatureAlgorithms: ['rsa_pss_sha256'] }),
    // @ts-expect-error: not a suite
    createServerContext({ cert: '', key: '', cipherSuites: ['AES128-GCM-SHA265'] }),
  ];
}
