// node_ws_server.js -- the peer of pushlab-ws in `make bench`: the same
// shape, written the way a user of node's `ws` package would write it.
//
//   node bench/node_ws_server.js [--port N] [--interval MS]
//
//   GET /ws    a tick event every --interval ms to every client, as a text
//              frame holding the pushlab event object; client text messages
//              are broadcast as chat events
//   GET /echo  every data message is sent back as it came
//
// Like the pushlab servers it listens on 127.0.0.1, prints
// "listening on 127.0.0.1:PORT" first (port 0 picks a free one), and exits
// 0 on SIGTERM or SIGINT.
'use strict';
const http = require('http');
const { WebSocketServer } = require('ws');

function flag(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? Number(process.argv[i + 1]) : fallback;
}
const port = flag('--port', 0);
const intervalMs = flag('--interval', 1000);

// The pushlab event object, keys in the contract's order, no white space.
let seq = 0;
function event(kind, text) {
  seq += 1;
  return JSON.stringify({ seq, ts: Date.now(), kind, text });
}

const server = http.createServer((req, res) => {
  res.writeHead(404, { 'Content-Type': 'text/plain' });
  res.end('404 Not Found: use /ws or /echo\n');
});
const broadcast = new WebSocketServer({ noServer: true });
const echo = new WebSocketServer({ noServer: true });

function publish(json) {
  for (const client of broadcast.clients)
    if (client.readyState === 1) client.send(json);
}

broadcast.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    if (!isBinary) publish(event('chat', data.toString()));
  });
});
echo.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});

server.on('upgrade', (req, socket, head) => {
  const path = req.url.split('?')[0];
  const wss = path === '/ws' ? broadcast : path === '/echo' ? echo : null;
  if (!wss) {
    socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
});

if (intervalMs > 0) setInterval(() => publish(event('tick', 'tick ' + (seq + 1))), intervalMs);

server.listen(port, '127.0.0.1', () => {
  process.stdout.write('listening on 127.0.0.1:' + server.address().port + '\n');
});

function stop() {
  for (const wss of [broadcast, echo])
    for (const client of wss.clients) client.close(1001, 'server stopping');
  server.close();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
