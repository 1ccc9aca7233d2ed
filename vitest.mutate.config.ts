/**
 * The tests Stryker runs against each mutant (stryker.config.mjs): the layers whose checks are mutated. MUTATE_TESTS
 * (comma-separated folders or files under test/) narrows it; interop tests that start peers are left out by default
 * (slow, and their checks are covered by the loopback and hostile tests too).
 */
import { defineConfig } from 'vitest/config';

const DEFAULT = ['test/x509', 'test/hostname', 'test/hostile', 'test/record', 'test/crypto', 'test/session', 'test/server', 'test/loopback'];
const dirs = process.env.MUTATE_TESTS ? process.env.MUTATE_TESTS.split(',').map((s) => s.trim()).filter(Boolean) : DEFAULT;

export default defineConfig({
  test: {
    include: dirs.map((d) => (d.endsWith('.ts') ? d : `${d.replace(/\/$/, '')}/**/*.test.ts`)),
    // The limbo suite runs 6,867 cases per mutant; it has its own guard (npm run limbo).
    exclude: ['test/x509/limbo.test.ts', '**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
