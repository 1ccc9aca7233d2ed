// Mutation testing of the security-critical modules (issue 15): `npm run mutate`. Not part of `npm test`: a full
// run mutates every check below and runs the covering tests against each mutant, which takes hours on 2 cores.
// Narrow it while working: `npm run mutate -- --mutate src/hostname/index.ts` with
// `MUTATE_TESTS=test/hostname` (comma-separated test folders or files; see vitest.mutate.config.ts).
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts', related: false },
  mutate: [
    'src/x509/verify.ts',
    'src/x509/nameconstraints.ts',
    'src/x509/ocsp.ts',
    'src/hostname/index.ts',
    'src/handshake/keys-tls12.ts',
    'src/handshake/session.ts',
    'src/record/protection.ts',
    'src/crypto/kex.ts',
    'src/crypto/rsa.ts',
  ],
  coverageAnalysis: 'perTest',
  concurrency: 2,
  timeoutMS: 30_000,
  ignoreStatic: true,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: process.env.MUTATE_REPORT ?? 'reports/mutation/mutation.json' },
  // Stryker's tsconfig rewriting uses a TypeScript API this project's TypeScript no longer has; the sandbox does
  // not need it (vitest transpiles without a type check), so point it at no file.
  tsconfigFile: 'tsconfig.stryker-none.json',
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
