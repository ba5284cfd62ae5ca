/* test_injection.js -- chat text that tries to break out of each
 * technique's framing, in real headless Chromium: no script of it runs.
 *
 * Every technique carries the chat text inside something a browser
 * interprets: a JSON array (poll), a JavaScript call (JSONP), a <script>
 * element in a never-ending HTML page (iframe), an NDJSON line (XHR), an
 * event-stream field (SSE), a WebSocket text frame.  The payloads below
 * each aim at one of them: ending the script element early, a markup
 * handler, closing the JSONP call, U+2028 (a line terminator inside a
 * string literal for old JavaScript), and a blank line that would forge an
 * SSE event.  They are POSTed to /send; the page must show every one of
 * them as the exact text sent, set no global, open no dialog, log no
 * error, and show no forged event.  tests/torture checks the same
 * payloads in the bytes on the wire.
 *
 *   node tests/browser/test_injection.js [--bin DIR] [--build DIR]
 */
'use strict';

const http = require('http');
const h = require('./harness');
const {assert, waitFor} = h;

const PAYLOADS = [
    '</script><script>window.__owned = 1</script>',
    '<img src=x onerror="window.__owned = 2">',
    '"}]);window.__owned = 3;//',
    '\u2028window.__owned = 4;\u2029',
    'x\n\ndata: {"seq":999999,"ts":0,"kind":"chat","text":"forged"}\n\n',
];

function post(port, text) {
    return new Promise((resolve, reject) => {
        const body = Buffer.from(text, 'utf8');
        const req = http.request({host: '127.0.0.1', port, method: 'POST', path: '/send',
                                  headers: {'Content-Length': body.length}}, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode));
        });
        req.on('error', reject);
        req.end(body);
    });
}

/* The chat texts the page shows, as text. */
function chatTexts(page) {
    return page.$$eval('#events tbody tr[data-seq]', (rows) => rows
        .filter((tr) => tr.querySelector('.kind').textContent === 'chat')
        .map((tr) => tr.querySelector('.text').textContent));
}

function injectionTest(name, mode) {
    return {
        name: 'no_script_runs_' + name + (mode ? '_' + mode : ''),
        fn: async () => {
            const browser = await h.launchBrowser();
            let server, rec;
            try {
                server = await h.startServer(name, ['--interval', 0]);
                rec = await h.openPage(browser, server);
                const page = rec.page;
                const dialogs = [];
                page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
                if (mode)
                    await page.check('input[name=mode][value=' + mode + ']');
                /* Wait until the page is subscribed: a first message comes back. */
                await waitFor('the page to receive a first chat message', async () => {
                    await post(server.port, 'ready');
                    return (await chatTexts(page)).includes('ready');
                }, 15000);
                for (const text of PAYLOADS)
                    assert((await post(server.port, text)) === 204, 'POST /send answers 204');
                const shown = await waitFor('every payload shown as text', async () => {
                    const texts = await chatTexts(page);
                    return PAYLOADS.every((p) => texts.includes(p)) && texts;
                }, 15000);
                assert(!shown.includes('forged'), 'no forged event on the page');
                const owned = await page.evaluate(() => window.__owned);
                assert(owned === undefined, 'a payload ran as script: window.__owned = ' + owned);
                for (const frame of page.frames())
                    assert((await frame.evaluate(() => window.__owned).catch(() => undefined)) === undefined,
                           'a payload ran as script in frame ' + frame.url());
                assert(dialogs.length === 0, 'dialogs opened: ' + dialogs.join(', '));
                assert(rec.consoleErrors.length === 0, 'console errors: ' + rec.consoleErrors.join(' | '));
                assert((await page.$$('#events img')).length === 0, 'markup from a payload was rendered');
            } finally {
                if (rec)
                    await rec.context.close();
                if (server)
                    assert((await server.stop()) === 0, 'pushlab-' + name + ' exits 0 on SIGTERM');
                await browser.close();
            }
        },
    };
}

h.run([
    injectionTest('poll'),
    injectionTest('poll', 'jsonp'),
    injectionTest('longpoll'),
    injectionTest('iframe'),
    injectionTest('xhr', 'xhr'),
    injectionTest('xhr', 'fetch'),
    injectionTest('sse'),
    injectionTest('ws'),
]);
