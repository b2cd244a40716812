// Node's built-in http2 client against a Weft h2 server: request and response trailers.
// Usage: node node-trailers.js http://127.0.0.1:PORT
// Prints one JSON line: {echo: {status, body, trailers}, download: {status, body, trailers}}.
'use strict';
const http2 = require('node:http2');

const session = http2.connect(process.argv[2]);
session.on('error', (err) => { console.error('session error', err); process.exit(2); });

function exchange(headers, body, requestTrailers) {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers, { waitForTrailers: Boolean(requestTrailers), endStream: body === null });
    const result = { status: 0, body: '', trailers: {} };
    stream.setEncoding('utf8');
    stream.on('response', (h) => { result.status = h[':status']; });
    stream.on('data', (chunk) => { result.body += chunk; });
    stream.on('trailers', (t) => { result.trailers = Object.fromEntries(Object.entries(t)); });
    stream.on('wantTrailers', () => stream.sendTrailers(requestTrailers));
    stream.on('end', () => resolve(result));
    stream.on('error', reject);
    if (body !== null) {
      stream.end(body);
    }
  });
}

(async () => {
  const echo = await exchange({ ':method': 'POST', ':path': '/echo' }, 'ping with trailers', { 'x-request-trailer': 'sent-by-node' });
  const download = await exchange({ ':method': 'GET', ':path': '/trailers' }, null, null);
  console.log(JSON.stringify({ echo, download }));
  session.close();
})().catch((err) => { console.error('failed', err); process.exit(1); });
