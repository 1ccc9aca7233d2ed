/**
 * `conformance --target host:port`: which versions and suites a server accepts, one handshake per
 * version × suite (like nmap's ssl-enum-ciphers), each offering exactly that version and that suite, with
 * certificate verification reported rather than enforced so every accepted suite shows up.
 */
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { connect, nodeStream, TlsError } from '../../index.js';
import { CIPHER_SUITES, suiteAllowedIn, versionFromName, type Tls12Suite, type TlsVersion } from '../../crypto/suites.js';
import { VERSIONS } from './matrix.js';
import { mapLimit } from './runner.js';

export interface ProbeOptions {
  host: string;
  port: number;
  /** SNI and the name verified; default: the host. */
  serverName?: string;
  /** PEM file of trust anchors; default: the system bundle. */
  caFile?: string;
  versions?: TlsVersion[];
  suites?: Tls12Suite[];
  concurrency?: number;
  timeoutMs?: number;
}

export interface ProbeResult {
  version: TlsVersion;
  suite: string;
  accepted: boolean;
  /** Why the handshake failed (TlsError code), when not accepted. */
  code?: string;
  /** Certificate verification of an accepted handshake: 'ok' or the failure code. */
  verification?: string;
  verificationMessage?: string;
}

async function probeOne(o: ProbeOptions, version: TlsVersion, suite: Tls12Suite, ca: string | undefined): Promise<ProbeResult> {
  const sock = net.connect({ host: o.host, port: o.port });
  try {
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', reject);
    });
    const conn = await connect({
      transport: nodeStream(sock),
      serverName: o.serverName ?? o.host,
      ...(ca ? { ca } : {}),
      verify: 'optional',
      minVersion: version,
      maxVersion: version,
      cipherSuites: [suite.name],
      timeoutMs: o.timeoutMs ?? 10000,
    });
    const v = conn.verification;
    await conn.close().catch(() => {});
    return { version, suite: suite.name, accepted: true, verification: v.ok ? 'ok' : v.code, ...(v.ok ? {} : { verificationMessage: v.message }) };
  } catch (e) {
    const code = e instanceof TlsError ? e.code : `io_connect: ${e instanceof Error ? e.message : String(e)}`;
    return { version, suite: suite.name, accepted: false, code };
  } finally {
    sock.destroy();
  }
}

export async function probeTarget(o: ProbeOptions): Promise<ProbeResult[]> {
  const ca = o.caFile ? readFileSync(o.caFile, 'utf8') : undefined;
  const jobs: [TlsVersion, Tls12Suite][] = [];
  for (const v of o.versions ?? VERSIONS) {
    for (const s of o.suites ?? CIPHER_SUITES) if (suiteAllowedIn(s, versionFromName(v)!)) jobs.push([v, s]);
  }
  return mapLimit(jobs, o.concurrency ?? 4, ([version, suite]) => probeOne(o, version, suite, ca));
}

/** A table of suites × versions ("yes", or "no:" and why) and a verification line. */
export function probeReport(o: ProbeOptions, results: readonly ProbeResult[]): string {
  const versions = VERSIONS.filter((v) => results.some((r) => r.version === v));
  const suites = CIPHER_SUITES.filter((s) => results.some((r) => r.suite === s.name));
  const cell = (v: TlsVersion, s: Tls12Suite): string => {
    const r = results.find((x) => x.version === v && x.suite === s.name);
    if (!r) return '';
    // A refusal by alert shows the alert's name; anything else (timeouts, our own checks) the full code.
    return r.accepted ? 'yes' : `no: ${r.code!.replace(/^peer_alert_/, '')}`;
  };
  const rows = suites.map((s) => [s.name, ...versions.map((v) => cell(v, s))]);
  const header = ['suite', ...versions];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cols: string[]) => cols.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const accepted = results.filter((r) => r.accepted);
  const byVersion = versions.map((v) => `${v}: ${accepted.filter((r) => r.version === v).length}`).join(', ');
  const verifications = [...new Set(accepted.map((r) => (r.verification === 'ok' ? 'ok' : `FAILED ${r.verification}: ${r.verificationMessage}`)))];
  return [
    `target ${o.host}:${o.port} (server name ${o.serverName ?? o.host}, trust anchors ${o.caFile ?? 'system bundle'})`,
    '',
    line(header),
    ...rows.map(line),
    '',
    `accepted suites per version: ${byVersion}`,
    `certificate verification: ${verifications.length ? verifications.join('; ') : 'no handshake completed'}`,
  ].join('\n');
}
