/** Every peer driver, in report order. */
import type { PeerDriver, PeerName } from '../types.js';
import { openssl } from './openssl.js';
import { gnutls } from './gnutls.js';
import { botan } from './botan.js';
import { mbedtls, wolfssl } from './lighttpd.js';
import { node } from './node.js';
import { python } from './python.js';
import { chromium } from './chromium.js';

export const DRIVERS: Record<PeerName, PeerDriver> = { openssl, gnutls, botan, mbedtls, wolfssl, node, python, chromium };
