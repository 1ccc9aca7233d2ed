/**
 * puretls, Node entry (the `node` export condition, and dist/index.js): everything of the portable entry
 * (src/web.ts) plus the Node-only parts: nodeStream, toNodeDuplex, and the platform hooks that give connect() the
 * system CA bundle and connect({ host, port }) / request(url) a TCP connection of their own.
 */
import './transport/node-platform.js';
export * from './web.js';
export { nodeStream } from './transport/node.js';
export { toNodeDuplex } from './transport/node-duplex.js';
export { createServer, type CreateServerOptions, type TlsServer } from './transport/node-server.js';
