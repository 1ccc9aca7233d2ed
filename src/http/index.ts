/** HTTPS (and plain HTTP) over any ByteStream. */
export { request, type RequestInit, type RequestBody, type Target } from './request.js';
