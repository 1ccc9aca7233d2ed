/** Everything src/crypto offers to the other layers. Only src/crypto touches @noble/* directly. */
export * from './suites.js';
export * from './types.js';
export * from './hash.js';
export * from './provider-noble.js';
export * from './random.js';
export * from './prf.js';
export * from './bigint.js';
export * from './rsa.js';
export * from './keys.js';
export * from './sig.js';
export * from './kex.js';
export * from './keyschedule.js';
