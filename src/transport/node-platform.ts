/** Node's answers to the platform hooks (src/platform.ts): imported for its effect by the Node entry only. */
import { setPlatform } from '../platform.js';
import { loadSystemCa } from './node-system-ca.js';
import { openTcp } from './node-tcp.js';
import { nodeProvider, nodeRandomFill } from '../crypto/provider-node.js';
import { nodeBrotliCodec, nodeZlibCodec } from './node-compression.js';

// node:crypto for every primitive (synchronous, OpenSSL); provider: 'noble' or 'webcrypto' still chooses otherwise.
setPlatform({ openTcp, systemCa: loadSystemCa, cryptoProvider: nodeProvider, randomFill: nodeRandomFill, certificateCodecs: [nodeBrotliCodec, nodeZlibCodec] });
