/**
 * The operating system's trust store as one PEM bundle, for connect() without `ca`. Node only: fs is imported
 * dynamically so browser bundles never pull it in.
 */
const CANDIDATES = [
  '/etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu, Alpine, Arch
  '/etc/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt', // Fedora, RHEL, CentOS
  '/etc/ssl/cert.pem', // macOS, OpenBSD, Alpine
];

/** SSL_CERT_FILE if set, else the first bundle found at the usual paths; null when none is readable. */
export async function loadSystemCa(): Promise<Uint8Array | string | null> {
  const fs = await import('node:fs/promises');
  const env = typeof process !== 'undefined' ? process.env.SSL_CERT_FILE : undefined;
  for (const file of env ? [env, ...CANDIDATES] : CANDIDATES) {
    try {
      return await fs.readFile(file, 'utf8');
    } catch {
      // Not there or unreadable: try the next location.
    }
  }
  return null;
}
