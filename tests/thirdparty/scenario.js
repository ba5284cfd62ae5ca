/* scenario.js -- one third-party push scenario, recorded on loopback.
 *
 *   node scenario.js NAME OUT.pcap      record scenario NAME into OUT.pcap
 *   node scenario.js --list             the scenario names
 *
 * Each scenario starts a server built on a third-party stack (sockjs-node,
 * engine.io, socket.io, ws, or node's own http module for the plain
 * techniques) on 127.0.0.1, port 0; starts tcpdump on lo for that port;
 * drives Debian's chromium (playwright-core, the flags of DESIGN.md) to a
 * page that uses the technique the way an application would; lets it run
 * for a fixed time; then stops everything.  None of pushlab's own servers
 * is involved: this is traffic pushviz did not make.
 *
 * What each scenario does on the wire is written down by hand, next to the
 * capture, in captures/thirdparty/NAME.expect (see the README there).
 */
'use strict';

const {spawn} = require('child_process');
const fs = require('fs');
const http = require('http');
const path = require('path');
const {chromium} = require('playwright-core');

const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
                        '--disable-background-networking', '--disable-component-update',
                        '--disable-sync'];
const RUN_MS = 4000;        /* how long the page runs */
const PUSH_MS = 300;        /* how often servers push a message */
const MODULES = path.join(__dirname, 'node_modules');

function sleep(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); }

/* A page: the script tags and the code that runs in it. */
function page(scripts, code) {
    const tags = scripts.map((s) => '<script src="' + s + '"></script>').join('\n');
    return '<!doctype html><meta charset="utf-8"><title>scenario</title>\n' + tags +
           '\n<pre id="log"></pre>\n<script>\nfunction log(s) { document.getElementById("log")' +
           '.textContent += s + "\\n"; }\n' + code + '\n</script>\n';
}

/* Answer a request with a whole body (node sets Content-Length). */
function send(res, type, body, extra) {
    res.writeHead(200, Object.assign({'Content-Type': type}, extra || {}));
    res.end(body);
}

/* Static files every page may load. */
function serveStatic(req, res, html) {
    const files = {
        '/sockjs.js': 'sockjs-client/dist/sockjs.min.js',
        '/engine.io.js': 'engine.io-client/dist/engine.io.min.js',
    };
    if (req.url === '/') {
        send(res, 'text/html; charset=utf-8', html);
        return true;
    }
    if (files[req.url]) {
        send(res, 'application/javascript', fs.readFileSync(path.join(MODULES, files[req.url])));
        return true;
    }
    if (req.url === '/favicon.ico') {
        res.writeHead(404, {'Content-Type': 'text/plain'});
        res.end('no icon');
        return true;
    }
    return false;
}

/* Push "tick N" through emit(text) every PUSH_MS; returns the stopper. */
function ticker(emit) {
    let n = 0;
    const t = setInterval(() => emit('tick ' + ++n), PUSH_MS);
    return () => clearInterval(t);
}

/* ---- SockJS: one scenario per transport sockjs-client can use here ---- */

function sockjsScenario(transport) {
    return (server) => {
        const sockjs = require('sockjs');
        const service = sockjs.createServer({sockjs_url: '/sockjs.js', heartbeat_delay: 1000,
                                             log: () => {}});
        const stops = [];
        service.on('connection', (conn) => {
            const stop = ticker((t) => conn.write(t));
            stops.push(stop);
            conn.on('data', (m) => conn.write('echo ' + m));
            conn.on('close', stop);
        });
        service.installHandlers(server, {prefix: '/chat'});
        server.stop = () => stops.forEach((s) => s());
        return page(['/sockjs.js'],
            'const s = new SockJS("/chat", null, {transports: ["' + transport + '"]});\n' +
            's.onopen = () => { s.send("hello"); setTimeout(() => s.send("again"), 1500); };\n' +
            's.onmessage = (e) => log(e.data);');
    };
}

/* ---- Engine.IO and Socket.IO: polling only, and polling then upgrade ---- */

function engineioScenario(upgrade) {
    return (server) => {
        const engine = require('engine.io');
        const eio = new engine.Server({pingInterval: 1500, pingTimeout: 1000,
                                       transports: upgrade ? ['polling', 'websocket'] : ['polling'],
                                       perMessageDeflate: false});
        eio.attach(server);
        const stops = [];
        eio.on('connection', (socket) => {
            stops.push(ticker((t) => socket.send(t)));
            socket.on('message', (m) => socket.send('echo ' + m));
        });
        server.stop = () => stops.forEach((s) => s());
        return page(['/engine.io.js'],
            'const s = new (eio.Socket || eio)({transports: ' +
            (upgrade ? '["polling", "websocket"]' : '["polling"]') + '});\n' +
            's.on("open", () => { s.send("hello"); setTimeout(() => s.send("again"), 1500); });\n' +
            's.on("message", (m) => log(m));');
    };
}

function socketioScenario(upgrade) {
    return (server) => {
        const {Server} = require('socket.io');
        const io = new Server(server, {pingInterval: 1500, pingTimeout: 1000,
                                       transports: upgrade ? ['polling', 'websocket'] : ['polling'],
                                       perMessageDeflate: false});
        const stops = [];
        io.on('connection', (socket) => {
            stops.push(ticker((t) => socket.emit('tick', t)));
            socket.on('chat', (m, ack) => { io.emit('chat', m); if (ack) ack('got ' + m); });
        });
        server.stop = () => { stops.forEach((s) => s()); io.close(); };
        return page(['/socket.io/socket.io.js'],
            'const s = io({transports: ' + (upgrade ? '["polling", "websocket"]' : '["polling"]') +
            '});\n' +
            's.on("connect", () => { s.emit("chat", "hello", (r) => log(r));\n' +
            '  setTimeout(() => s.emit("chat", "again"), 1500); });\n' +
            's.on("tick", (t) => log(t)); s.on("chat", (t) => log("chat " + t));');
    };
}

/* ---- node ws, permessage-deflate declined ---- */

function wsScenario(server) {
    const {WebSocketServer} = require('ws');
    const wss = new WebSocketServer({server, path: '/live', perMessageDeflate: false});
    const stops = [];
    wss.on('connection', (ws) => {
        stops.push(ticker((t) => ws.send(t)));
        ws.on('message', (m) => ws.send('echo ' + m));
    });
    server.stop = () => { stops.forEach((s) => s()); wss.clients.forEach((c) => c.close(1000)); };
    return page([],
        'const s = new WebSocket("ws://" + location.host + "/live");\n' +
        's.onopen = () => { s.send("hello"); setTimeout(() => s.send("again"), 1500); };\n' +
        's.onmessage = (e) => log(e.data);');
}

/* ---- plain techniques on node's http module ---- */

/* An EventSource server that goes away mid-stream and comes back on the
 * same port: the browser reconnects (after retry:) with Last-Event-ID. */
function sseRestartScenario(server) {
    let id = 0;
    const streams = new Set();
    const t = setInterval(() => {
        id++;
        for (const res of streams)
            res.write('id: ' + id + '\nevent: tick\ndata: tick ' + id + '\n\n');
    }, PUSH_MS);
    server.on('request', (req, res) => {
        if (req.url !== '/events')
            return;
        res.writeHead(200, {'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache'});
        res.write('retry: 400\n: resumed after ' + (req.headers['last-event-id'] || 'nothing') +
                  '\n\n');
        streams.add(res);
        res.on('close', () => streams.delete(res));
    });
    server.midway = async () => { /* the restart, half way through */
        const port = server.address().port;
        await new Promise((resolve) => {
            server.close(resolve);
            for (const res of streams)
                res.destroy();
            server.closeAllConnections();
        });
        await sleep(600);
        await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
    };
    server.stop = () => clearInterval(t);
    return page([],
        'const s = new EventSource("/events");\n' +
        's.addEventListener("tick", (e) => log(e.lastEventId + " " + e.data));');
}

/* Short polling with fetch, over keep-alive or with Connection: close. */
function pollScenario(close) {
    return (server) => {
        let n = 0;
        const t = setInterval(() => n++, PUSH_MS);
        server.on('request', (req, res) => {
            if (!req.url.startsWith('/news'))
                return;
            send(res, 'application/json', JSON.stringify({ticks: n}),
                 close ? {'Connection': 'close'} : {});
        });
        server.stop = () => clearInterval(t);
        return page([],
            'async function poll() { const r = await fetch("/news?t=" + Date.now());\n' +
            '  log(await r.text()); setTimeout(poll, 250); }\npoll();');
    };
}

/* Long polling: a request is held until the next tick. */
function longpollScenario(server) {
    const waiting = new Set();
    let n = 0;
    const t = setInterval(() => {
        n++;
        for (const res of waiting)
            send(res, 'application/json', JSON.stringify([{tick: n}]));
        waiting.clear();
    }, 700);
    server.on('request', (req, res) => {
        if (req.url.startsWith('/wait'))
            waiting.add(res);
    });
    server.stop = () => clearInterval(t);
    return page([],
        'async function wait() { const r = await fetch("/wait?n=" + Date.now());\n' +
        '  log(await r.text()); wait(); }\nwait();');
}

/* JSONP polling: a script tag per poll, the answer calls back. */
function jsonpScenario(server) {
    let n = 0;
    server.on('request', (req, res) => {
        const m = /^\/jsonp\?callback=([A-Za-z_$][\w$]*)/.exec(req.url);
        if (m)
            send(res, 'application/javascript', m[1] + '({"ticks":' + ++n + '});');
    });
    return page([],
        'let k = 0;\nfunction poll() { const name = "cb" + ++k;\n' +
        '  window[name] = (d) => { log(JSON.stringify(d)); delete window[name]; };\n' +
        '  const s = document.createElement("script"); s.src = "/jsonp?callback=" + name;\n' +
        '  s.onload = () => { s.remove(); setTimeout(poll, 250); }; document.body.appendChild(s); }\n' +
        'poll();');
}

/* A chunked text/html page that never ends: the forever frame. */
function iframeScenario(server) {
    const streams = new Set();
    const t = setInterval(() => {
        for (const res of streams)
            res.write('<script>parent.tick(' + Date.now() + ');</script>\n');
    }, PUSH_MS);
    server.on('request', (req, res) => {
        if (req.url !== '/frame')
            return;
        res.writeHead(200, {'Content-Type': 'text/html; charset=utf-8'});
        res.write('<!doctype html><body>' + ' '.repeat(1024) + '\n');
        streams.add(res);
        res.on('close', () => streams.delete(res));
    });
    server.stop = () => { clearInterval(t); streams.forEach((r) => r.end()); };
    return page([],
        'function tick(n) { log("tick " + n); }\n' +
        'const f = document.createElement("iframe"); f.style.display = "none";\n' +
        'f.src = "/frame"; document.body.appendChild(f);');
}

/* A chunked body read with fetch's stream reader: NDJSON or multipart. */
function streamScenario(kind) {
    return (server) => {
        const boundary = 'tickpart';
        const streams = new Set();
        let n = 0;
        const t = setInterval(() => {
            n++;
            const line = JSON.stringify({tick: n}) + '\n';
            for (const res of streams)
                res.write(kind === 'ndjson' ? line :
                          '--' + boundary + '\r\nContent-Type: application/json\r\n\r\n' + line +
                          '\r\n');
        }, PUSH_MS);
        server.on('request', (req, res) => {
            if (req.url !== '/feed')
                return;
            res.writeHead(200, {'Content-Type': kind === 'ndjson' ? 'application/x-ndjson' :
                                'multipart/x-mixed-replace; boundary=' + boundary});
            streams.add(res);
            res.on('close', () => streams.delete(res));
        });
        server.stop = () => { clearInterval(t); streams.forEach((r) => r.end()); };
        return page([],
            'fetch("/feed").then(async (r) => { const rd = r.body.getReader();\n' +
            '  const dec = new TextDecoder();\n' +
            '  for (;;) { const {value, done} = await rd.read(); if (done) break;\n' +
            '    log(dec.decode(value)); } });');
    };
}

/* A poll whose chunked answer ends with trailer fields (RFC 9112 §7.1.2):
 * node's res.addTrailers, sent after the last chunk.  The browser's fetch
 * does not expose them; they are on the wire all the same. */
function trailersScenario(server) {
    let n = 0;
    server.on('request', (req, res) => {
        if (req.url !== '/report')
            return;
        const started = Date.now();
        const lines = [1, 2, 3].map((k) => JSON.stringify({report: ++n, part: k}) + '\n');
        res.writeHead(200, {'Content-Type': 'application/x-ndjson', 'Trailer': 'Server-Timing, X-Lines'});
        lines.forEach((line, k) => setTimeout(() => res.write(line), 20 * k));
        setTimeout(() => {
            res.addTrailers({'Server-Timing': 'total;dur=' + (Date.now() - started),
                             'X-Lines': String(lines.length)});
            res.end();
        }, 60);
    });
    return page([],
        'async function go() { const r = await fetch("/report"); log(await r.text());\n' +
        '  setTimeout(go, 400); }\n' +
        'go();');
}

const SCENARIOS = {
    'sockjs-websocket': sockjsScenario('websocket'),
    'sockjs-xhr-streaming': sockjsScenario('xhr-streaming'),
    'sockjs-xhr-polling': sockjsScenario('xhr-polling'),
    'sockjs-eventsource': sockjsScenario('eventsource'),
    'sockjs-htmlfile': sockjsScenario('htmlfile'),
    'sockjs-jsonp-polling': sockjsScenario('jsonp-polling'),
    'sockjs-iframe-eventsource': sockjsScenario('iframe-eventsource'),
    'sockjs-iframe-htmlfile': sockjsScenario('iframe-htmlfile'),
    'sockjs-iframe-xhr-polling': sockjsScenario('iframe-xhr-polling'),
    'engineio-polling': engineioScenario(false),
    'engineio-upgrade': engineioScenario(true),
    'socketio-polling': socketioScenario(false),
    'socketio-upgrade': socketioScenario(true),
    'ws-plain': wsScenario,
    'sse-restart': sseRestartScenario,
    'poll-keepalive': pollScenario(false),
    'poll-close': pollScenario(true),
    'longpoll': longpollScenario,
    'jsonp': jsonpScenario,
    'iframe-html': iframeScenario,
    'ndjson': streamScenario('ndjson'),
    'multipart': streamScenario('multipart'),
    'trailers': trailersScenario,
};

/* Start tcpdump on lo for port; resolves once it is capturing. */
function startTcpdump(port, out) {
    return new Promise((resolve, reject) => {
        const p = spawn('tcpdump', ['-i', 'lo', '-U', '-s', '0', '-w', out, 'tcp port ' + port],
                        {stdio: ['ignore', 'ignore', 'pipe']});
        let err = '';
        p.stderr.on('data', (d) => {
            err += d;
            if (/listening on/.test(err))
                resolve(p);
        });
        p.on('exit', (code) => reject(new Error('tcpdump exited ' + code + ': ' + err)));
    });
}

async function main() {
    const name = process.argv[2];
    if (name === '--list') {
        console.log(Object.keys(SCENARIOS).join('\n'));
        return;
    }
    const out = process.argv[3];
    if (!SCENARIOS[name] || !out) {
        console.error('usage: node scenario.js NAME OUT.pcap | --list');
        process.exit(2);
    }
    const server = http.createServer();
    const html = SCENARIOS[name](server);
    /* Static files after the scenario's handlers (they answer their own paths). */
    server.on('request', (req, res) => {
        if (!res.headersSent && !res.writableEnded)
            serveStatic(req, res, html);
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = server.address().port;
    const dump = await startTcpdump(port, out);
    const browser = await chromium.launch({executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS});
    try {
        const pg = await browser.newPage();
        await pg.goto('http://127.0.0.1:' + port + '/', {waitUntil: 'domcontentloaded'});
        await sleep(RUN_MS / 2);
        if (server.midway)
            await server.midway();
        await sleep(RUN_MS / 2);
        console.log(name + ': ' + (await pg.textContent('#log')).split('\n').length + ' log lines');
        await pg.close();
    } finally {
        await browser.close();
        if (server.stop)
            server.stop();
        server.closeAllConnections();
        server.close();
        await sleep(300); /* the last FINs */
        dump.kill('SIGINT');
        await new Promise((resolve) => dump.on('exit', resolve));
    }
}

main().catch((e) => { console.error(e.stack || String(e)); process.exit(1); });
