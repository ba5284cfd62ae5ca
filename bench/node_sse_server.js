// node_sse_server.js -- the peer of pushlab-sse in `make bench` (bench/scale.py):
// the same event stream, written the way a user of node's http module would
// write it, with no npm package.
//
//   node bench/node_sse_server.js [--port N] [--interval MS]
//
//   GET /events  text/event-stream, Cache-Control: no-cache; "retry:" once,
//                then a tick event every --interval ms to every client:
//                "id: SEQ", "event: tick", "data: " + the pushlab event object
//
// node answers with Transfer-Encoding: chunked (no Content-Length), as it
// does for any open-ended response; SSE clients read through it.  Like the
// pushlab servers it listens on 127.0.0.1, prints "listening on
// 127.0.0.1:PORT" first (port 0 picks a free one), and exits 0 on SIGTERM
// or SIGINT.  Left out: Last-Event-ID resumption (the benchmark only holds
// streams open and counts what arrives).
'use strict';
const http = require('http');

function flag(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? Number(process.argv[i + 1]) : fallback;
}
const port = flag('--port', 0);
const intervalMs = flag('--interval', 1000);
const RETRY_MS = 3000; // the reconnection delay pushlab-sse sends too

// The pushlab event object, keys in the contract's order, no white space.
let seq = 0;
function event(kind, text) {
  seq += 1;
  return { seq, json: JSON.stringify({ seq, ts: Date.now(), kind, text }) };
}

const streams = new Set(); // the open /events responses

const server = http.createServer((req, res) => {
  if (req.url.split('?')[0] !== '/events') {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('404 Not Found: use /events\n');
    return;
  }
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
  res.write('retry: ' + RETRY_MS + '\n\n');
  streams.add(res);
  res.on('close', () => streams.delete(res));
});

function publish(ev, kind) {
  const text = 'id: ' + ev.seq + '\nevent: ' + kind + '\ndata: ' + ev.json + '\n\n';
  for (const res of streams) res.write(text);
}

if (intervalMs > 0)
  setInterval(() => publish(event('tick', 'tick ' + (seq + 1)), 'tick'), intervalMs);

server.listen(port, '127.0.0.1', 4096, () => {
  process.stdout.write('listening on 127.0.0.1:' + server.address().port + '\n');
});

function stop() {
  for (const res of streams) res.end();
  server.close();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
