/* test_ws.js -- Chromium's own WebSocket client against pushlab-ws,
 * through the demo page: the handshake, text and binary messages up to
 * 1 MiB echoed byte for byte by /echo, chat going up the same socket the
 * events come down, and the closing handshake with a code and a reason of
 * the page's choosing, ending clean.
 *
 *   node tests/browser/test_ws.js [--bin DIR] [--build DIR]
 */
'use strict';

const h = require('./harness');
const {assert, waitFor} = h;

const MIB = 1024 * 1024;

/* Run fn(page, rec) against a fresh pushlab-ws and its page. */
async function withWsPage(browser, fn) {
    const server = await h.startServer('ws', ['--interval', 200]);
    let rec;
    try {
        rec = await h.openPage(browser, server);
        await waitFor('the socket to open', async () =>
            (await rec.page.textContent('#state')) === 'open');
        await fn(rec.page, rec);
        assert(rec.external.length === 0, 'no request leaves the server: ' + rec.external.join(', '));
        assert(rec.consoleErrors.length === 0, 'no console errors: ' + rec.consoleErrors.join(' | '));
    } finally {
        if (rec)
            await rec.context.close();
        assert((await server.stop()) === 0, 'pushlab-ws exits 0 on SIGTERM');
    }
}

/* The page's echo test: size bytes of kind, checked by the page itself. */
async function echo(page, kind, size) {
    await page.fill('#echo-size', String(size));
    await page.$eval('#echo-result', (out) => { out.dataset.result = 'pending'; });
    await page.click('#echo-' + kind);
    let result;
    try {
        result = await waitFor(kind + ' echo of ' + size + ' bytes', async () => {
            const r = await page.$eval('#echo-result', (out) => out.dataset.result);
            return r !== 'pending' && r !== '' && r;
        }, 20000);
    } catch (err) {
        /* Say what the page saw: the echo line and the end of its log. */
        err.message += '\n    page says: ' + await page.textContent('#echo-result') +
            '\n    page log ends: ' + (await page.textContent('#log')).slice(-400);
        throw err;
    }
    const text = await page.textContent('#echo-result');
    assert(result === 'ok', 'the ' + kind + ' echo of ' + size + ' bytes came back the same: ' + text);
}

async function echoes(browser) {
    await withWsPage(browser, async (page) => {
        /* Playwright sees each WebSocket the page opens, and its frames. */
        const sockets = [];
        page.on('websocket', (ws) => {
            if (new URL(ws.url()).pathname !== '/echo')
                return;
            const s = {received: [], closed: false};
            ws.on('framereceived', (f) => s.received.push(f.payload.length));
            ws.on('close', () => { s.closed = true; });
            sockets.push(s);
        });
        const sizes = [0, 1, 125, 126, 65535, 65536, MIB];
        for (const size of sizes) {
            await echo(page, 'text', size);
            await echo(page, 'binary', size);
        }
        await waitFor('14 echo sockets closed', async () =>
            sockets.length === 14 && sockets.every((s) => s.closed));
        /* What Chromium itself saw coming back on each: one message as long
         * as the one sent (a text of n UTF-8 bytes is a string of n/2 to n
         * characters; Chromium reports no frame for an empty message). */
        sockets.forEach((s, i) => {
            const size = sizes[i >> 1];
            const got = s.received.reduce((a, b) => a + b, 0);
            const ok = size === 0 ? got === 0
                                  : s.received.length === 1 &&
                                        (i % 2 ? got === size : got >= size / 2 && got <= size);
            assert(ok, 'echo socket ' + i + ' received one message of ' + size + ' bytes: ' +
                   s.received);
        });
        /* The page logs each close: code 1000 and clean. */
        await waitFor('14 clean closes of echo sockets', async () =>
            ((await page.textContent('#log')).match(/echo socket closed: code 1000, clean/g) || [])
                .length === 14);
    });
}

async function chatAndClose(browser) {
    await withWsPage(browser, async (page) => {
        const text = 'over the socket <i>\u00e9</i> ' + Date.now();
        await page.fill('#chat-text', text);
        await page.click('#chat button[type=submit]');
        await waitFor('the chat message back as an event', async () =>
            (await page.$$eval('#events tbody tr.chat td.text', (tds) => tds.map((td) => td.textContent)))
                .includes(text));
        assert(/ms$/.test(await page.textContent('#stat-rtt')), 'the chat round trip is shown');
        const up = await page.$$eval('#frames-body tr.up', (rows) => rows.map((r) => r.textContent));
        assert(up.some((r) => r.includes(text)), 'the frame list shows the chat frame going up');
        /* A text frame of a short chat: 2 header bytes + 4 mask bytes up. */
        const down = await page.$$eval('#frames-body tr.down td:nth-child(4)',
                                       (tds) => tds.map((td) => Number(td.textContent)));
        assert(down.length > 0 && down.every((n) => n === 2), 'events come in 2-byte headers');

        await page.fill('#close-code', '4000');
        await page.fill('#close-reason', 'lab over');
        await page.click('#close');
        await waitFor('the closing handshake to finish', async () =>
            (await page.textContent('#state')) === 'closed');
        const log = await page.textContent('#log');
        assert(/closed: code 4000, reason "lab over", clean closing handshake/.test(log) ||
               /closed: code 4000, clean closing handshake/.test(log),
               'the page reports code 4000 and a clean close: ' + log.slice(0, 300));
        await h.screenshot(page, 'ws-closed');
    });
}

h.runWithBrowser((browser) => [
    {name: 'ws: Chromium echoes text and binary up to 1 MiB', fn: () => echoes(browser)},
    {name: 'ws: chat on the socket, closing handshake 4000', fn: () => chatAndClose(browser)},
]);
