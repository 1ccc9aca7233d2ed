/** Node's answers to the platform hooks (src/platform.ts): imported for its effect by the Node entry only. */
import { setPlatform } from '../platform.js';
import { loadSystemCa } from './node-system-ca.js';
import { openTcp } from './node-tcp.js';

setPlatform({ openTcp, systemCa: loadSystemCa });
