import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const pki = (name: string): string => readFileSync(path.join(repoRoot, 'vectors/x509', name), 'utf8');
