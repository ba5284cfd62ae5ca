/* test_flash.js -- the Flash socket page in Chromium.  No browser runs
 * Flash and a page cannot open a raw TCP socket, so the page explains the
 * technique; what it can do is chat through POST /send on the very port
 * the socket clients use.  Here a raw TCP client (node's net, playing the
 * Flash Player) listens on a data connection while the page chats, and
 * gets the page's text as a NUL-terminated event.
 *
 *   node tests/browser/test_flash.js [--bin DIR] [--build DIR]
 */
'use strict';

const net = require('net');
const h = require('./harness');
const {assert, waitFor} = h;

const FLASH_SNIFF_MS = 300; /* silence that makes a connection a data channel */

/* A data channel: collects the NUL-terminated messages the server pushes. */
function dataChannel(port) {
    const messages = [];
    let pending = Buffer.alloc(0);
    const socket = net.connect(port, '127.0.0.1');
    socket.on('data', (chunk) => {
        pending = Buffer.concat([pending, chunk]);
        let nul;
        while ((nul = pending.indexOf(0)) >= 0) {
            messages.push(pending.subarray(0, nul).toString('utf8'));
            pending = pending.subarray(nul + 1);
        }
    });
    socket.on('error', () => {});
    return {socket, messages};
}

async function pageAndChat(browser) {
    const server = await h.startServer('flash', ['--interval', 0]);
    let rec, channel;
    try {
        channel = dataChannel(server.port);
        rec = await h.openPage(browser, server);
        const page = rec.page;
        const text = await page.textContent('body');
        assert(/2020-12-31/.test(text), 'the page says when Flash Player reached its end of life');
        assert(/pushlab-client flash 127\.0\.0\.1:\d+/.test(text),
               'the page shows how to run pushlab-client flash against this port');
        assert(text.includes('<policy-file-request/>'), 'the page shows the policy request');
        assert(await page.$('.pushviz') !== null && await page.$('.explain') !== null,
               'the page has its pushviz box and its explanation');
        await h.sleep(FLASH_SNIFF_MS + 200); /* the silent socket is a data channel by now */

        const chat = 'from the page <b>\u00e9</b> ' + Date.now();
        await page.fill('#chat-text', chat);
        await page.click('#chat button[type=submit]');
        await waitFor('the 204 of POST /send', async () =>
            /204/.test(await page.textContent('#chat-status')));
        const event = await waitFor('the chat event on the raw socket', () =>
            channel.messages.map((m) => JSON.parse(m)).find((ev) => ev.text === chat));
        assert(event.kind === 'chat' && event.seq === 1, 'a chat event, seq 1: ' + JSON.stringify(event));
        assert(rec.external.length === 0, 'no request leaves the server: ' + rec.external.join(', '));
        assert(rec.consoleErrors.length === 0, 'no console errors: ' + rec.consoleErrors.join(' | '));
        await h.screenshot(page, 'flash');
    } finally {
        if (channel)
            channel.socket.destroy();
        if (rec)
            await rec.context.close();
        assert((await server.stop()) === 0, 'pushlab-flash exits 0 on SIGTERM');
    }
}

async function main() {
    const browser = await h.launchBrowser();
    try {
        await h.run([{name: 'flash: the page explains, and its chat reaches a socket client',
                      fn: () => pageAndChat(browser)}]);
    } finally {
        await browser.close();
    }
}

main().catch((err) => {
    console.log('FAIL the browser suite itself: ' + (err.stack || err));
    console.log('RESULT passed=0 failed=1 skipped=0');
    process.exit(1);
});
