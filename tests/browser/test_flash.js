/* test_flash.js -- the Flash socket page in Chromium.  No browser runs
 * Flash and a page cannot open a raw TCP socket, so the page explains the
 * technique and shows the commands that play the Flash Player's part;
 * what it can do is chat through POST /send on the very port the socket
 * clients use.
 *
 * The page is opened from three addresses: 127.0.0.1, another loopback
 * address (as a server behind pushlab-wan is 10.77.0.2) and IPv6 ::1.
 * Each time the commands on it must name the address the page came from
 * (bracketed for pushlab-client, bare for nc), and they must work: a raw
 * TCP client (node's net, connected where the nc line says) listens on a
 * data connection while the page chats and gets the page's text as a
 * NUL-terminated event, then the page's own pushlab-client command sends
 * a chat line and gets it back.
 *
 *   node tests/browser/test_flash.js [--bin DIR] [--build DIR]
 */
'use strict';

const {execFile} = require('child_process');
const net = require('net');
const path = require('path');
const h = require('./harness');
const {assert, waitFor} = h;

/* Silence that makes a connection a data channel: FLASH_SNIFF_MS and the
 * connection's retransmission timeout (200 ms on loopback). */
const FLASH_SILENT_MS = 300 + 200;
const CLIENT_TIMEOUT_MS = 20000;

/* A data channel: collects the NUL-terminated messages the server pushes. */
function dataChannel(host, port) {
    const messages = [];
    let pending = Buffer.alloc(0);
    const socket = net.connect(port, host);
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

/* Run bin/pushlab-client with args: {code, stdout, stderr}. */
function runClient(args) {
    return new Promise((resolve) => {
        execFile(path.join(h.BIN, 'pushlab-client'), args, {timeout: CLIENT_TIMEOUT_MS},
                 (err, stdout, stderr) => resolve({code: err ? err.code ?? err.signal : 0, stdout, stderr}));
    });
}

/* bind: the server's -b, or null for its default (127.0.0.1). */
async function pageAndChat(browser, bind) {
    const server = await h.startServer('flash', ['--interval', 0, ...(bind ? ['-b', bind] : [])]);
    let rec, channel;
    try {
        rec = await h.openPage(browser, server);
        const page = rec.page;
        const text = await page.textContent('body');
        assert(/2020-12-31/.test(text), 'the page says when Flash Player reached its end of life');
        assert(text.includes('<policy-file-request/>'), 'the page shows the policy request');
        assert(await page.$('.pushviz') !== null && await page.$('.explain') !== null,
               'the page has its pushviz box and its explanation');

        /* The commands name this server as the page reached it. */
        const terminal = await page.textContent('#terminal');
        const addr = server.host.replace(/^\[(.*)\]$/, '$1');
        const clientCmd = 'bin/pushlab-client flash ' + server.host + ':' + server.port;
        assert(terminal.includes(clientCmd), 'the page shows "' + clientCmd + '": ' + terminal);
        const nc = [...terminal.matchAll(/\bnc (\S+) (\d+)/g)];
        assert(nc.length === 2 && nc.every((m) => m[1] === addr && Number(m[2]) === server.port),
               'both nc lines name ' + addr + ' ' + server.port + ': ' + terminal);
        if (server.host !== '127.0.0.1')
            assert(!text.includes('127.0.0.1'), 'no 127.0.0.1 left on a page served from ' + server.host);

        /* The Flash Player's part, where the nc line points. */
        channel = dataChannel(nc[0][1], Number(nc[0][2]));
        await h.sleep(FLASH_SILENT_MS + 300); /* the silent socket is a data channel by now */
        const chat = 'from the page <b>\u00e9</b> ' + Date.now();
        await page.fill('#chat-text', chat);
        await page.click('#chat button[type=submit]');
        await waitFor('the 204 of POST /send', async () =>
            /204/.test(await page.textContent('#chat-status')));
        assert((await page.inputValue('#chat-text')) === '', 'the chat box is cleared after sending');
        const event = await waitFor('the chat event on the raw socket', () =>
            channel.messages.map((m) => JSON.parse(m)).find((ev) => ev.text === chat));
        assert(event.kind === 'chat' && event.seq === 1, 'a chat event, seq 1: ' + JSON.stringify(event));

        /* The page's pushlab-client command, as shown, reaches the server. */
        const target = clientCmd.split(' ').pop();
        const r = await runClient(['flash', target, '--send', 'from the command line', '--count', '1',
                                   '--json']);
        assert(r.code === 0, 'pushlab-client flash ' + target + ' exits 0: ' + r.code + ' ' + r.stderr);
        const got = r.stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
        assert(got.some((ev) => ev.kind === 'chat' && ev.text === 'from the command line'),
               'the client gets its own chat line back: ' + r.stdout);

        assert(rec.external.length === 0, 'no request leaves the server: ' + rec.external.join(', '));
        assert(rec.consoleErrors.length === 0, 'no console errors: ' + rec.consoleErrors.join(' | '));
        if (!bind)
            await h.screenshot(page, 'flash');
    } finally {
        if (channel)
            channel.socket.destroy();
        if (rec)
            await rec.context.close();
        assert((await server.stop()) === 0, 'pushlab-flash exits 0 on SIGTERM');
    }
}

h.runWithBrowser((browser) => [
    {name: 'flash: the page explains, and its chat reaches a socket client',
     fn: () => pageAndChat(browser, null)},
    {name: 'flash: served from 127.0.0.2, the commands name 127.0.0.2',
     fn: () => pageAndChat(browser, '127.0.0.2')},
    {name: 'flash: served from [::1], the commands name [::1] and ::1',
     fn: () => pageAndChat(browser, '::1')},
]);
