/**
 * mbedTLS and wolfSSL as servers: lighttpd with mod_mbedtls / mod_wolfssl (Debian lighttpd-mod-mbedtls,
 * lighttpd-mod-wolfssl). The harness writes a config per cell: TLS on 127.0.0.1:port, the test PKI, one static
 * page. Both modules take the version range and suite through `ssl.openssl.ssl-conf-cmd` (MinProtocol,
 * MaxProtocol, CipherString); mod_mbedtls wants mbedTLS suite names, mod_wolfssl OpenSSL names.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Cell, PeerDriver, PeerName, WorkDir } from '../types.js';
import { commandExists, firstLine, HOST } from '../proc.js';
import { loadPki } from '../pki.js';
import { serverOnFreePort } from './common.js';

const MODULE_DIR = '/usr/lib/lighttpd';
const LIGHTTPD_VERSION = { TLSv1: 'TLSv1.0', 'TLSv1.1': 'TLSv1.1', 'TLSv1.2': 'TLSv1.2', 'TLSv1.3': 'TLSv1.3' } as const;
export const PAGE = 'puretls conformance page\n';

interface Flavour {
  name: PeerName;
  module: 'mod_mbedtls' | 'mod_wolfssl';
  package: string;
  library: string;
  suiteName(cell: Cell): string;
  unsupported(cell: Cell): string | null;
}

/** lighttpd.conf for one cell. */
export function lighttpdConfig(f: Flavour, cell: Cell, port: number, docroot: string): string {
  const pki = loadPki();
  const id = pki.server[cell.keyType];
  const q = JSON.stringify;
  const v = LIGHTTPD_VERSION[cell.version];
  return [
    `server.modules = ( ${q(f.module)} )`,
    `server.bind = ${q(HOST)}`,
    `server.port = ${port}`,
    `server.document-root = ${q(docroot)}`,
    `ssl.engine = "enable"`,
    `ssl.pemfile = ${q(id.chainPath)}`,
    `ssl.privkey = ${q(id.keyPath)}`,
    `ssl.openssl.ssl-conf-cmd = ( "MinProtocol" => ${q(v)}, "MaxProtocol" => ${q(v)}, "CipherString" => ${q(f.suiteName(cell))} )`,
    ...(cell.clientAuth
      ? [`ssl.verifyclient.activate = "enable"`, `ssl.verifyclient.enforce = "enable"`, `ssl.verifyclient.ca-file = ${q(pki.caPath)}`]
      : []),
    '',
  ].join('\n');
}

function driver(f: Flavour): PeerDriver {
  return {
    name: f.name,
    missing: () =>
      !commandExists('lighttpd')
        ? 'lighttpd not found (apt-get install lighttpd)'
        : existsSync(path.join(MODULE_DIR, `${f.module}.so`))
          ? null
          : `${f.module} not found (apt-get install ${f.package})`,
    version: () => `${f.library} (via ${firstLine('lighttpd', ['-v']).split(' ')[0]})`,
    server: {
      unsupported: f.unsupported,
      start(cell, work: WorkDir) {
        const docroot = path.join(work.path, 'www');
        work.file('www/index.html', PAGE);
        return serverOnFreePort(
          (port) => ({ cmd: 'lighttpd', args: ['-D', '-f', work.file('lighttpd.conf', lighttpdConfig(f, cell, port, docroot))] }),
          /server started/,
          'http',
          { path: '/index.html' },
        );
      },
    },
  };
}

/** The installed library version, from the package database (lighttpd does not print it). */
function debVersion(pkg: string): string {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Version}', pkg], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : 'unknown version';
}

export const mbedtls = driver({
  name: 'mbedtls',
  module: 'mod_mbedtls',
  package: 'lighttpd-mod-mbedtls',
  get library() {
    return `mbedTLS ${debVersion('libmbedtls14')}`;
  },
  // mbedTLS names suites like IANA with dashes: TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256.
  suiteName: (cell) => cell.suite.name.replace(/_/g, '-'),
  unsupported: (cell) => (cell.version === 'TLSv1.3' ? 'mbedTLS 2.28 has no TLS 1.3 server (it came in 3.x)' : null),
});

const WOLFSSL_TLS13: Record<string, string> = {
  TLS_AES_128_GCM_SHA256: 'TLS13-AES128-GCM-SHA256',
  TLS_AES_256_GCM_SHA384: 'TLS13-AES256-GCM-SHA384',
  TLS_CHACHA20_POLY1305_SHA256: 'TLS13-CHACHA20-POLY1305-SHA256',
};

export const wolfssl = driver({
  name: 'wolfssl',
  module: 'mod_wolfssl',
  package: 'lighttpd-mod-wolfssl',
  get library() {
    return `wolfSSL ${debVersion('libwolfssl35')}`;
  },
  // wolfSSL names its TLS 1.3 suites TLS13-AES128-GCM-SHA256 and so on, in the same cipher list.
  suiteName: (cell) => (cell.suite.protocol === 'tls13' ? WOLFSSL_TLS13[cell.suite.name] ?? cell.suite.openssl : cell.suite.openssl),
  // Both gaps are wolfSSL's build defaults, kept by Debian: lighttpd refuses to start with either setting, and the
  // library's suite-name table has no static-RSA entries (AES128-SHA, AES128-GCM-SHA256, ...).
  unsupported: (cell) =>
    cell.hrr
      ? "lighttpd's mod_wolfssl cannot narrow wolfSSL's TLS 1.3 groups (its Groups setting was tried: the server still takes an X25519 share), so no HelloRetryRequest can be forced"
      : cell.version === 'TLSv1'
      ? "Debian's wolfSSL is built without TLS 1.0 (wolfSSL's default); lighttpd rejects MinProtocol TLSv1.0"
      : cell.suite.protocol === 'tls12' && cell.suite.kx === 'RSA'
        ? "Debian's wolfSSL is built without static-RSA key exchange suites (WOLFSSL_STATIC_RSA unset, wolfSSL's default)"
        : null,
});
