/* tls_push.js -- push over TLS (https:// and wss://) from real stacks on
 * 127.0.0.1:PORT, for record_tls.sh: a node `https` server with an
 * EventSource stream and a `ws` WebSocket, and a client that is
 *
 *   node tls_push.js PORT chromium   Debian's chromium (playwright-core):
 *                                    TLS 1.3, as a browser speaks it
 *   node tls_push.js PORT node12     node's own https and `ws` clients,
 *                                    held to TLS 1.2, whose handshake
 *                                    shows more in the clear
 *
 * The certificate is the self-signed one in $TLS_CERT / $TLS_KEY (the
 * recorder makes it with openssl); the clients accept it.  Both name the
 * server "pushlab.test" (SNI), mapped to 127.0.0.1, and offer ALPN.
 */
'use strict';

const fs = require('fs');
const https = require('https');
const {WebSocketServer, WebSocket} = require('ws');

const port = Number(process.argv[2]);
const client = process.argv[3] || 'chromium';
if (!port || !['chromium', 'node12'].includes(client) || !process.env.TLS_CERT || !process.env.TLS_KEY) {
    console.error('usage: TLS_CERT=F TLS_KEY=F node tls_push.js PORT chromium|node12');
    process.exit(2);
}
const HOST = 'pushlab.test';
const EVENTS = 5;

/* The page: an EventSource and a WebSocket, both over TLS; one chat line. */
const PAGE = `<!doctype html><meta charset="utf-8"><title>tls push</title><script>
window.sse = 0; window.ws = 0;
const es = new EventSource('/events');
es.onmessage = () => { if (++window.sse === ${EVENTS}) es.close(); };
const ws = new WebSocket('wss://' + location.host + '/ws');
ws.onopen = () => ws.send('chat from the browser');
ws.onmessage = () => { if (++window.ws === ${EVENTS}) ws.close(1000, 'bye'); };
</script>`;

function event(seq) {
    return JSON.stringify({seq, ts: Date.now(), kind: 'tick', text: 'pushed over TLS'});
}

const server = https.createServer({
    cert: fs.readFileSync(process.env.TLS_CERT),
    key: fs.readFileSync(process.env.TLS_KEY),
    ALPNProtocols: ['http/1.1'],
}, (req, res) => {
    if (req.url === '/events') {
        res.writeHead(200, {'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store'});
        let seq = 0;
        const timer = setInterval(() => {
            res.write('id: ' + ++seq + '\ndata: ' + event(seq) + '\n\n');
            if (seq === EVENTS) {
                clearInterval(timer);
                setTimeout(() => res.end(), 50);
            }
        }, 100);
        req.on('close', () => clearInterval(timer));
        return;
    }
    res.writeHead(200, {'Content-Type': 'text/html; charset=utf-8'});
    res.end(PAGE);
});
const wss = new WebSocketServer({server, path: '/ws', perMessageDeflate: false});
wss.on('connection', (ws) => {
    let seq = 0;
    const timer = setInterval(() => {
        if (seq < EVENTS)
            ws.send(event(++seq));
    }, 100);
    ws.on('close', () => clearInterval(timer));
});

function done(what) {
    console.log('tls_push ' + client + ': ' + what);
    server.close();
    wss.close();
    setTimeout(() => process.exit(0), 200);
}

async function viaChromium() {
    const {chromium} = require('playwright-core');
    const browser = await chromium.launch({executablePath: '/usr/bin/chromium', args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--ignore-certificate-errors',
        '--host-resolver-rules=MAP ' + HOST + ' 127.0.0.1']});
    try {
        const page = await browser.newPage();
        await page.goto('https://' + HOST + ':' + port + '/');
        await page.waitForFunction(() => window.sse >= 5 && window.ws >= 5, null, {timeout: 15000});
        await page.waitForTimeout(300);
        done(await page.evaluate(() => window.sse + ' events, ' + window.ws + ' messages'));
    } finally {
        await browser.close();
    }
}

function viaNode() {
    /* To 127.0.0.1, naming the server as a browser would (SNI, Host). */
    const tls = {servername: HOST, ALPNProtocols: ['http/1.1'], rejectUnauthorized: false,
                 maxVersion: 'TLSv1.2', headers: {Host: HOST + ':' + port}};
    let sse = 0, got = 0;
    https.get({host: '127.0.0.1', port, path: '/events', ...tls}, (res) => {
        res.setEncoding('utf8');
        res.on('data', (text) => { sse += (text.match(/^data:/mg) || []).length; });
        res.on('end', () => {
            const ws = new WebSocket('wss://127.0.0.1:' + port + '/ws', {...tls, perMessageDeflate: false});
            ws.on('open', () => ws.send('chat from node'));
            ws.on('message', () => { if (++got === EVENTS) ws.close(1000, 'bye'); });
            ws.on('close', () => done(sse + ' events, ' + got + ' messages'));
        });
    });
}

server.listen(port, '127.0.0.1', () => {
    if (client === 'chromium')
        viaChromium().catch((e) => { console.error(e); process.exit(1); });
    else
        viaNode();
});
