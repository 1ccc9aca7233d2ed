/** The platform CA bundle on Node (the same places OpenSSL and Go look). Loaded lazily, never in browsers. */
const CANDIDATES = [
  '/etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu, Alpine
  '/etc/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt', // Fedora, RHEL
  '/etc/ssl/cert.pem', // macOS, OpenBSD
];

export async function loadSystemCa(): Promise<Uint8Array | string | null> {
  const { readFile } = await import('node:fs/promises');
  const fromEnv = process.env.SSL_CERT_FILE;
  for (const path of fromEnv ? [fromEnv, ...CANDIDATES] : CANDIDATES) {
    try {
      return await readFile(path);
    } catch {
      // not here; try the next place
    }
  }
  return null;
}
