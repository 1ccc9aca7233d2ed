import type { CipherSuiteOption } from '../crypto/suites.js';
/** Plain argv parsing: --flag, --opt value, --opt=value, short aliases, repeatable options. No dependency. */
import { readFileSync } from 'node:fs';
import { TlsError } from '../errors.js';

export type OptKind = 'bool' | 'string' | 'list';
export interface OptSpec {
  [name: string]: OptKind;
}

export interface Parsed {
  positionals: string[];
  opts: Record<string, string | boolean | string[] | undefined>;
}

/** `aliases` maps short forms ('-X') to long names ('method'). Unknown options are an error, not ignored. */
export function parseArgs(argv: readonly string[], spec: OptSpec, aliases: Record<string, string> = {}): Parsed {
  const positionals: string[] = [];
  const opts: Parsed['opts'] = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const name = aliases[flag] ?? (flag.startsWith('--') ? flag.slice(2) : undefined);
    const kind = name !== undefined ? spec[name] : undefined;
    if (!name || !kind) throw new TlsError('config_invalid', `unknown option ${flag} (see --help)`);
    if (kind === 'bool') {
      if (eq > 0) throw new TlsError('config_invalid', `${flag} takes no value`);
      opts[name] = true;
      continue;
    }
    let value: string;
    if (eq > 0) value = a.slice(eq + 1);
    else {
      if (i + 1 >= argv.length) throw new TlsError('config_invalid', `${flag} needs a value`);
      value = argv[++i]!;
    }
    if (kind === 'list') opts[name] = [...((opts[name] as string[] | undefined) ?? []), value];
    else opts[name] = value;
  }
  return { positionals, opts };
}

/** 'host:port' (IPv6 in brackets) → parts; the port is required. */
export function hostPort(s: string, what = 'address'): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(s);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new TlsError('config_invalid', `${what} '${s}' is not host:port`);
  return { host: (m[1] ?? m[2])!, port };
}

type CliVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

const VERSION_NAMES: Record<string, CliVersion> = {
  tlsv1: 'TLSv1', 'tlsv1.0': 'TLSv1', '1.0': 'TLSv1', tls1: 'TLSv1',
  'tlsv1.1': 'TLSv1.1', '1.1': 'TLSv1.1', tls1_1: 'TLSv1.1',
  'tlsv1.2': 'TLSv1.2', '1.2': 'TLSv1.2', tls1_2: 'TLSv1.2',
  'tlsv1.3': 'TLSv1.3', '1.3': 'TLSv1.3', tls1_3: 'TLSv1.3',
};

/**
 * minVersion/maxVersion from --tls1/--tls1_1/--tls1_2/--tls1_3 (pin) or --min/--max; {} leaves the library default
 * (TLS 1.2 to TLS 1.3).
 */
export function versionOptions(opts: Parsed['opts']): { minVersion?: CliVersion; maxVersion?: CliVersion } {
  const pins = (['tls1', 'tls1_1', 'tls1_2', 'tls1_3'] as const).filter((p) => opts[p]);
  if (pins.length > 1) throw new TlsError('config_invalid', 'give at most one of --tls1, --tls1_1, --tls1_2, --tls1_3');
  if (pins.length) {
    if (opts.min || opts.max) throw new TlsError('config_invalid', '--tls1* pins one version; do not combine with --min/--max');
    const v = VERSION_NAMES[pins[0]!]!;
    return { minVersion: v, maxVersion: v };
  }
  const parse = (s: unknown, what: string) => {
    if (s === undefined) return undefined;
    const v = VERSION_NAMES[String(s).toLowerCase()];
    if (!v) throw new TlsError('config_invalid', `${what} '${s}' is not one of TLSv1, TLSv1.1, TLSv1.2, TLSv1.3`);
    return v;
  };
  const minVersion = parse(opts.min, '--min');
  const maxVersion = parse(opts.max, '--max');
  return { ...(minVersion ? { minVersion } : {}), ...(maxVersion ? { maxVersion } : {}) };
}

/** A whole, non-negative number option (--timeout, --max-redirects); anything else is a config_invalid error. */
export function numberOption(v: unknown, flag: string): number | undefined {
  if (v === undefined || v === false) return undefined;
  const s = String(v);
  if (!/^\d+$/.test(s)) throw new TlsError('config_invalid', `${flag} needs a whole number, not '${s}'`);
  return Number(s);
}

/** Suite names from --cipher: colon- or comma-separated, OpenSSL or IANA names. */
export function cipherOption(v: unknown): CipherSuiteOption[] | undefined {
  // Unknown names are refused by connect()/accept() with config_invalid.
  return typeof v === 'string' ? (v.split(/[:,]/).map((s) => s.trim()).filter(Boolean) as CipherSuiteOption[]) : undefined;
}

const FS_REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  ELOOP: 'too many symbolic links',
};

/** A file named on the command line (--ca, --cert, -d @FILE...): its bytes, or "cannot read FILE (why)" [config_invalid]. */
export function readFileArg(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    throw new TlsError('config_invalid', `cannot read ${file} (${FS_REASONS[code] ?? (code || (e as Error).message)})`, { cause: e });
  }
}
