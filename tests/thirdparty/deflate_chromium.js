/* deflate_chromium.js -- Debian's chromium (driven by playwright-core)
 * talking permessage-deflate to a node `ws` server on 127.0.0.1:PORT, for
 * record_deflate.sh.
 *
 *   node deflate_chromium.js PORT takeover    the server accepts Chromium's
 *                                             offer as it is (context kept)
 *   node deflate_chromium.js PORT nocontext   the server asks for
 *                                             server_no_context_takeover and
 *                                             client_no_context_takeover
 *
 * Chromium offers "permessage-deflate; client_max_window_bits" on every
 * WebSocket; it compresses what it sends, and inflates what it receives.
 * The page is served by the same node server, so the capture also holds
 * the page's GET.
 */
'use strict';

const http = require('http');
const {WebSocketServer} = require('ws');
const {chromium} = require('playwright-core');

const port = Number(process.argv[2]);
const mode = process.argv[3] || 'takeover';
const MODES = {
    takeover: {threshold: 0},
    nocontext: {threshold: 0, serverNoContextTakeover: true, clientNoContextTakeover: true},
};
const deflate = MODES[mode];
if (!port || !deflate) {
    console.error('usage: node deflate_chromium.js PORT takeover|nocontext');
    process.exit(2);
}
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
               '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/* The page: open a WebSocket, send four chat lines, report what came back. */
const PAGE = `<!doctype html><meta charset="utf-8"><title>deflate</title><script>
const ws = new WebSocket('ws://' + location.host + '/ws');
window.got = [];
ws.onopen = () => {
  for (let i = 1; i <= 4; i++) ws.send('chat ' + i + ' from chromium: ' + 'ünïcödé chat '.repeat(i));
};
ws.onmessage = (e) => { window.got.push(e.data); if (window.got.length === 8) ws.close(1000, 'bye'); };
</script>`;

function event(seq, text) {
    return JSON.stringify({seq, ts: Date.now(), kind: 'tick', text});
}

const server = http.createServer((req, res) => {
    res.writeHead(200, {'Content-Type': 'text/html; charset=utf-8', 'Connection': 'close'});
    res.end(PAGE);
});
const wss = new WebSocketServer({server, path: '/ws', perMessageDeflate: deflate});
wss.on('connection', (ws) => {
    let seq = 0;
    ws.on('message', (data) => { ws.send(event(++seq, 'echo of ' + data)); });
    const timer = setInterval(() => {
        if (seq < 8)
            ws.send(event(++seq, 'tick for chromium, tick tick'));
    }, 30);
    ws.on('close', () => clearInterval(timer));
});

server.listen(port, '127.0.0.1', async () => {
    const browser = await chromium.launch({executablePath: '/usr/bin/chromium', args: FLAGS});
    try {
        const page = await browser.newPage();
        await page.goto('http://127.0.0.1:' + port + '/');
        await page.waitForFunction(() => window.got.length >= 8, null, {timeout: 15000});
        await page.waitForTimeout(300);
        const got = await page.evaluate(() => window.got.length);
        console.log('deflate_chromium ' + mode + ': ' + got + ' messages received');
    } finally {
        await browser.close();
        server.close();
        wss.close();
        setTimeout(() => process.exit(0), 100);
    }
});
