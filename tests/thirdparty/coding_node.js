/* coding_node.js -- node's own http and zlib, answering with a content
 * coding (RFC 9110 §8.4) on 127.0.0.1:PORT, for record_coding.sh.  Client
 * and server are node, no npm package: the bytes are what a node
 * application (or the `compression` middleware, which does the same with
 * zlib) sends.
 *
 *   node coding_node.js PORT poll    a keep-alive client polls GET /news
 *                                    every 150 ms; each answer is a JSON
 *                                    body with Content-Length, in turn gzip,
 *                                    deflate (zlib), raw deflate (as some
 *                                    servers send it), br, and none
 *   node coding_node.js PORT sse     GET /events: text/event-stream through
 *                                    one gzip stream, flushed after every
 *                                    event (Z_SYNC_FLUSH, as compression's
 *                                    res.flush() does), chunked; a comment
 *                                    heartbeat; the server ends it after 8
 *   node coding_node.js PORT close   HTTP/1.0 requests, so the answers have
 *                                    neither length nor chunks and the
 *                                    server's FIN ends them: plain text,
 *                                    then gzip; a third is cut by a RST
 */
'use strict';

const http = require('http');
const net = require('net');
const zlib = require('zlib');

const port = Number(process.argv[2]);
const mode = process.argv[3];
if (!port || !['poll', 'sse', 'close'].includes(mode)) {
    console.error('usage: node coding_node.js PORT poll|sse|close');
    process.exit(2);
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const CODINGS = ['gzip', 'deflate', 'raw', 'br', 'identity'];

/* A news answer: JSON that repeats itself, as API answers do. */
function news(n) {
    const items = [];
    for (let i = 0; i < 6; i++)
        items.push({id: n * 10 + i, title: 'headline ' + i + ' of poll ' + n, body: 'the same words again and again'});
    return JSON.stringify({poll: n, items});
}

function encode(coding, text) {
    const data = Buffer.from(text);
    switch (coding) {
    case 'gzip': return ['gzip', zlib.gzipSync(data)];
    case 'deflate': return ['deflate', zlib.deflateSync(data)];
    case 'raw': return ['deflate', zlib.deflateRawSync(data)];
    case 'br': return ['br', zlib.brotliCompressSync(data)];
    default: return [null, data];
    }
}

function pollServer(req, res) {
    const u = new URL(req.url, 'http://x');
    const n = Number(u.searchParams.get('n'));
    const [coding, body] = encode(u.searchParams.get('c'), news(n));
    const head = {'Content-Type': 'application/json', 'Content-Length': body.length};
    if (coding)
        head['Content-Encoding'] = coding;
    res.writeHead(200, head);
    res.end(body);
}

async function sseServer(req, res) {
    res.writeHead(200, {'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache',
                        'Content-Encoding': 'gzip'});
    const gz = zlib.createGzip();
    gz.pipe(res);
    for (let id = 1; id <= 8; id++) {
        gz.write('id: ' + id + '\nevent: tick\ndata: {"tick":' + id + ',"text":"tick number ' + id +
                 ' from node http through gzip"}\n\n');
        if (id === 4)
            gz.write(': heartbeat\n\n');
        gz.flush(zlib.constants.Z_SYNC_FLUSH); /* what compression's res.flush() does */
        await sleep(100);
    }
    gz.end();
}

async function closeServer(req, res) {
    /* Two writes, so node cannot add a Content-Length; to an HTTP/1.0
     * request it does not chunk either: the close ends the body. */
    const text = 'line one of a close-delimited answer\n' + 'more text, more text, more text\n'.repeat(20);
    if (req.url === '/close/gzip') {
        res.writeHead(200, {'Content-Type': 'text/plain', 'Content-Encoding': 'gzip'});
        const z = zlib.gzipSync(text);
        res.write(z.subarray(0, 20));
        await sleep(20);
        res.end(z.subarray(20));
    } else if (req.url === '/close/reset') {
        res.writeHead(200, {'Content-Type': 'text/plain'});
        res.write('this answer is cut by a reset\n');
        await sleep(50);
        res.socket.resetAndDestroy();
    } else {
        res.writeHead(200, {'Content-Type': 'text/plain'});
        res.write(text.slice(0, 100));
        await sleep(20);
        res.end(text.slice(100));
    }
}

/* One HTTP/1.0 request on a connection of its own, read to its end. */
function get10(path) {
    return new Promise((resolve) => {
        const s = net.connect(port, '127.0.0.1', () =>
            s.write('GET ' + path + ' HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept-Encoding: gzip\r\n\r\n'));
        let got = 0;
        s.on('data', (d) => { got += d.length; });
        s.on('error', () => {});
        s.on('close', () => resolve(got));
    });
}

/* GET path over agent, the answer read whole. */
function get(agent, path) {
    return new Promise((resolve, reject) => {
        http.get({host: '127.0.0.1', port, path, agent, headers: {'Accept-Encoding': 'gzip, deflate, br'}},
            (res) => {
                let got = 0;
                res.on('data', (d) => { got += d.length; });
                res.on('end', () => resolve(got));
            }).on('error', reject);
    });
}

async function client() {
    if (mode === 'poll') {
        const agent = new http.Agent({keepAlive: true, maxSockets: 1});
        for (let n = 1; n <= 10; n++) {
            await get(agent, '/news?n=' + n + '&c=' + CODINGS[(n - 1) % CODINGS.length]);
            await sleep(150);
        }
        agent.destroy();
    } else if (mode === 'sse') {
        await get(undefined, '/events');
    } else {
        await get10('/close/plain');
        await get10('/close/gzip');
        await get10('/close/reset');
    }
}

const server = http.createServer((req, res) => {
    const serve = mode === 'poll' ? pollServer : mode === 'sse' ? sseServer : closeServer;
    Promise.resolve(serve(req, res)).catch((err) => { console.error(err); process.exit(1); });
});
server.listen(port, '127.0.0.1', () => {
    client().then(async () => {
        await sleep(200);
        console.log('coding_node ' + mode + ': done');
        server.close();
        setTimeout(() => process.exit(0), 100);
    }).catch((err) => { console.error(err); process.exit(1); });
});
