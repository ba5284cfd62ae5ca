/* test_pages.js -- every demo page, in real headless Chromium, against the
 * real server that serves it.
 *
 * For each technique: the page loads with no console error and no request
 * to anywhere but its server; events arrive in seq order with no gap and
 * their latency shown; the chat box goes round through the server and back
 * (and its text is shown as text, not markup).  Then what is special about
 * each page: the poll page's interval control and JSONP switch, how long
 * the long-poll page's requests were held, the iframe's chunked HTML
 * stream, both ways of reading the XHR stream, the SSE page resuming
 * after a dropped connection and after a server restart (Last-Event-ID),
 * the WebSocket page's echo test.  (The Flash page cannot receive: no
 * browser opens raw sockets.  test_flash.js checks that its chat box
 * reaches a raw TCP client.)  Pages whose server is not built are
 * skipped, with the reason.  A screenshot of every page goes to build/screenshots/.
 *
 *   node tests/browser/test_pages.js [--bin DIR] [--build DIR]
 */
'use strict';

const h = require('./harness');
const {assert, waitFor, sleep} = h;

const TICK_MS = 200; /* --interval for the servers: events come quickly */

/* ------------------------------------------------------------ reading the page */

/* The event rows, oldest first: {seq, kind, text, latency (ms), via}. */
function eventRows(page) {
    return page.$$eval('#events tbody tr[data-seq]', (rows) => rows.reverse().map((tr) => ({
        seq: Number(tr.dataset.seq),
        kind: tr.querySelector('.kind').textContent,
        text: tr.querySelector('.text').textContent,
        latency: tr.querySelector('.latency').textContent,
        via: tr.querySelector('.via').textContent,
    })));
}

function statText(page, id) { return page.textContent('#' + id); }

function logText(page) { return page.textContent('#log'); }

/* Wait until the page shows at least n events; returns the rows. */
function waitForEvents(page, n, timeoutMs = 15000) {
    return waitFor(n + ' events on the page', async () => {
        const rows = await eventRows(page);
        return rows.length >= n && rows;
    }, timeoutMs);
}

/* Rows in seq order, each the next one, each with a plausible latency. */
function checkInOrder(rows, maxLatencyMs) {
    for (let i = 0; i < rows.length; i++) {
        if (i > 0)
            assert(rows[i].seq === rows[i - 1].seq + 1,
                   'seq ' + rows[i].seq + ' follows ' + rows[i - 1].seq + ' on the page');
        const m = /^(-?\d+) ms$/.exec(rows[i].latency);
        assert(m, 'latency shown as "N ms", not "' + rows[i].latency + '"');
        const ms = Number(m[1]);
        assert(ms >= -5 && ms <= maxLatencyMs,
               'latency of seq ' + rows[i].seq + ' is ' + ms + ' ms, over ' + maxLatencyMs);
    }
}

async function checkNoGaps(page) {
    assert(await page.$('#events tr.gap') === null, 'the page shows no gap row');
    assert(await page.$('#events tr.restart') === null, 'the page shows no restart row');
    assert((await statText(page, 'stat-gaps')) === '0', 'the "events missed" counter is 0');
}

/* ------------------------------------------------------------ the common checks */

/* Start a fresh server and open its page: {server, rec}, which the caller
 * closes with closeAll(). */
async function openChecked(browser, name, args) {
    const server = await h.startServer(name, args);
    const rec = await h.openPage(browser, server);
    return {server, rec};
}

async function closeAll(o) {
    if (o.rec)
        await o.rec.context.close();
    if (o.server)
        assert((await o.server.stop()) === 0, 'pushlab-' + o.server.name + ' exits 0 on SIGTERM');
}

/* Run fn({server, rec, page}) against a fresh server and page, closing both after. */
async function withPage(browser, name, args, fn) {
    const o = {};
    try {
        Object.assign(o, await openChecked(browser, name, args));
        await fn({server: o.server, rec: o.rec, page: o.rec.page});
    } finally {
        await closeAll(o);
    }
}

function checkClean(rec) {
    assert(rec.external.length === 0, 'no request leaves the server: ' + rec.external.join(', '));
    assert(rec.consoleErrors.length === 0, 'no console errors: ' + rec.consoleErrors.join(' | '));
}

/* The chat box says it sent the text, and is empty again. */
async function checkChatSent(page) {
    const status = await waitFor('the chat box to report', () => page.textContent('#chat-status'));
    assert(status !== '' && !/^not sent/.test(status), 'the chat box says it sent: "' + status + '"');
    assert((await page.inputValue('#chat-text')) === '', 'the chat box is cleared after sending');
}

/* Send a chat message from the page's box; wait for it in the event list.
 * The text holds markup and non-ASCII, which must come back as typed. */
async function checkChat(page) {
    const text = 'hello <b>pushlab</b> & "friends" \u00e9\u2713 ' + Date.now();
    await page.fill('#chat-text', text);
    await page.click('#chat button[type=submit]');
    await waitFor('the chat message back in the event list', async () => {
        const rows = await eventRows(page);
        return rows.some((r) => r.kind === 'chat' && r.text === text);
    });
    assert(await page.$('#events b') === null, 'chat text is shown as text, never as markup');
    await checkChatSent(page);
}

/* The basic test of a page: clean load, events in order, latency, chat,
 * counters, screenshot. */
function basicTest(browser, name, args, maxLatencyMs) {
    return withPage(browser, name, args, async ({rec, page}) => {
        assert(await page.$('.pushviz') !== null, 'the page has a "look for in pushviz" box');
        assert(await page.$('.explain') !== null, 'the page has an explanation');
        await checkChat(page);
        const rows = await waitForEvents(page, 8);
        checkInOrder(rows, maxLatencyMs);
        await checkNoGaps(page);
        assert(Number(await statText(page, 'stat-requests')) >= 1, 'the requests counter counts');
        assert(Number(await statText(page, 'stat-events')) >= rows.length,
               'the events counter counts');
        await sleep(300); /* let the last answer's bytes be counted */
        const bytes = await statText(page, 'stat-bytes');
        assert(/^\d+$/.test(bytes) ? Number(bytes) > 0 : /hidden/.test(bytes),
               'bytes received is counted or said to be hidden: "' + bytes + '"');
        checkClean(rec);
        console.log('     ' + h.BUILD + '/screenshots/' + name + '.png (' + rows.length +
                    ' events, last latency ' + rows[rows.length - 1].latency + ')');
        await h.screenshot(page, name);
    });
}

/* ------------------------------------------------------------ per technique */

/* Poll: the interval control sets how often the page asks. */
async function pollInterval(browser) {
    await withPage(browser, 'poll', ['--interval', TICK_MS], async ({rec, page}) => {
        const polls = () => rec.requests.filter((r) => new URL(r.url).pathname === '/poll').length;
        await page.fill('#interval', '2000');
        await sleep(1200); /* the poll already scheduled at the old interval */
        let before = polls();
        await sleep(4000);
        const slow = polls() - before;
        assert(slow >= 1 && slow <= 3, 'at 2000 ms, 1 to 3 polls in 4 s, not ' + slow);
        await page.fill('#interval', '200');
        await sleep(2200);
        before = polls();
        await sleep(2000);
        const fast = polls() - before;
        assert(fast >= 6, 'at 200 ms, at least 6 polls in 2 s, not ' + fast);
        checkInOrder(await eventRows(page), 3000);
        await checkNoGaps(page);
        checkClean(rec);
    });
}

/* Poll: the JSONP switch makes the page load <script>s, answered with
 * application/javascript, and the events go on with no gap. */
async function pollJsonp(browser) {
    await withPage(browser, 'poll', ['--interval', TICK_MS], async ({rec, page}) => {
        await page.fill('#interval', '300');
        await waitForEvents(page, 3);
        await page.check('input[name=mode][value=jsonp]');
        const jsonpAnswers = () => rec.responses.filter((r) => /callback=onPollAnswer/.test(r.url));
        const rows = await waitFor('3 JSONP polls and 3 events they brought', async () => {
            const all = await eventRows(page);
            return jsonpAnswers().length >= 3 &&
                all.filter((r) => r.via.startsWith('jsonp')).length >= 3 && all;
        });
        assert(rows[0].via.startsWith('ajax'), 'the first events came by AJAX');
        checkInOrder(rows, 3000);
        await checkNoGaps(page);
        for (const r of jsonpAnswers())
            assert(r.status === 200 && r.headers['content-type'].startsWith('application/javascript'),
                   'a JSONP answer is 200 application/javascript, not ' + r.status + ' ' +
                   r.headers['content-type']);
        for (const r of rec.requests.filter((r) => new URL(r.url).pathname === '/poll'))
            assert(r.type === (/callback=/.test(r.url) ? 'script' : 'fetch'),
                   'AJAX polls are fetches and JSONP polls are scripts: ' + r.type + ' ' + r.url);
        await checkChat(page);
        checkClean(rec);
    });
}

/* Long poll: with no ticks, each request is held for --hold seconds and
 * comes back empty; a chat message is answered at once by the held one. */
async function longpollHold(browser) {
    await withPage(browser, 'longpoll', ['--interval', 0, '--hold', 1], async ({rec, page}) => {
        const holds = async () => [...(await logText(page)).matchAll(/held (\d+) ms -> \[\]/g)]
            .map((m) => Number(m[1]));
        const empty = await waitFor('two empty answers after the hold time', async () => {
            const list = await holds();
            return list.length >= 2 && list;
        });
        for (const ms of empty)
            assert(ms >= 900 && ms <= 3000, 'an empty answer came after ~1000 ms, not ' + ms);
        await checkChat(page);
        const chat = (await eventRows(page)).find((r) => r.kind === 'chat');
        const held = /held (\d+) ms/.exec(chat.via);
        assert(held, 'the event row tells how long its request was held: "' + chat.via + '"');
        assert(Number(held[1]) < 1500, 'the chat came back in the held request');
        assert(Number(/^(\d+)/.exec(chat.latency)[1]) < 500,
               'a long poll delivers at once, not after ' + chat.latency);
        assert(/ms$/.test(await page.textContent('#held-max')), 'the longest hold is shown');
        checkClean(rec);
    });
}

/* Iframe: a hidden iframe loads /stream, chunked text/html. */
async function iframeStream(browser) {
    await withPage(browser, 'iframe', ['--interval', TICK_MS], async ({rec, page}) => {
        const rows = await waitForEvents(page, 5);
        assert(rows.every((r) => r.via === 'iframe stream 1'), 'all events came by the first iframe');
        const frame = await page.$('iframe#stream');
        assert(frame && !(await frame.isVisible()), 'the iframe is hidden');
        const stream = rec.responses.find((r) => new URL(r.url).pathname === '/stream');
        assert(stream && stream.status === 200, 'GET /stream answered 200');
        assert(stream.headers['content-type'].startsWith('text/html'), '/stream is text/html');
        assert(stream.headers['transfer-encoding'] === 'chunked', '/stream is chunked');
        assert((await statText(page, 'stat-requests')) === '1', 'one request for all the events');
        checkClean(rec);
    });
}

/* XHR: events arrive by XHR progress, then, switched, by fetch streaming,
 * and the switch loses nothing (the new stream asks ?since=). */
async function xhrModes(browser) {
    await withPage(browser, 'xhr', ['--interval', TICK_MS], async ({rec, page}) => {
        await waitForEvents(page, 4);
        await page.check('input[name=mode][value=fetch]');
        const rows = await waitFor('4 events read by fetch()', async () => {
            const all = await eventRows(page);
            return all.filter((r) => r.via.startsWith('fetch stream')).length >= 4 && all;
        });
        assert(rows[0].via === 'xhr stream 1', 'the first events came by XHR');
        checkInOrder(rows, 1500);
        await checkNoGaps(page);
        const streams = rec.requests.filter((r) => new URL(r.url).pathname === '/stream');
        assert(streams.length === 2, 'two /stream requests, not ' + streams.length);
        assert(/since=\d+/.test(streams[1].url), 'the second stream resumes with since=');
        const first = rec.responses.find((r) => new URL(r.url).pathname === '/stream');
        assert(first.headers['content-type'].startsWith('application/x-ndjson'), 'NDJSON');
        assert(first.headers['transfer-encoding'] === 'chunked', '/stream is chunked');
        assert(Number(await statText(page, 'stat-bytes')) > 0, 'bytes are counted');
        await page.check('input[name=mode][value=xhr]');
        await waitFor('XHR again', async () =>
            (await eventRows(page)).some((r) => r.via === 'xhr stream 3'));
        await checkNoGaps(page);
        checkClean(rec);
    });
}

/* SSE: the drop button closes the EventSource; the page resumes by hand
 * with ?lastEventId= and the server replays what was missed. */
async function sseDrop(browser) {
    await withPage(browser, 'sse', ['--interval', TICK_MS], async ({rec, page}) => {
        await waitForEvents(page, 3);
        await page.click('#drop');
        await sleep(1000);
        assert((await page.textContent('#ready-state')).startsWith('CLOSED'), 'dropped');
        const rows = await waitFor('events on the second connection', async () => {
            const all = await eventRows(page);
            return all.filter((r) => r.via.startsWith('connection 2')).length >= 3 && all;
        });
        checkInOrder(rows, 10000); /* the replayed ones waited out the drop */
        await checkNoGaps(page);
        const second = rec.requests.filter((r) => new URL(r.url).pathname === '/events')[1];
        const last = rows.filter((r) => r.via.startsWith('connection 1')).pop().seq;
        assert(new URL(second.url).searchParams.get('lastEventId') === String(last),
               'the new EventSource asked ?lastEventId=' + last + ': ' + second.url);
        assert((await page.textContent('#connections')).includes('?lastEventId=' + last),
               'the page shows where the new connection resumed');
        checkClean(rec);
    });
}

/* While the server was down the browser's reconnection attempts failed, and
 * Chromium logs each as a console error; nothing else may appear. */
function checkConsoleAfterRestart(rec) {
    const other = rec.consoleErrors.filter((m) => !/ERR_CONNECTION_REFUSED/.test(m));
    assert(other.length === 0, 'no console errors but the refused reconnections: ' + other.join(' | '));
    assert(rec.external.length === 0, 'no request leaves the server: ' + rec.external.join(', '));
}

/* SSE: the server restarts; the browser reconnects by itself with
 * Last-Event-ID, and the page shows it and goes on. */
async function sseRestart(browser) {
    const o = {};
    try {
        Object.assign(o, await openChecked(browser, 'sse', ['--interval', TICK_MS, '--retry', 500]));
        const page = o.rec.page;
        /* Enough events that the new run, counting from 1 again, is still
         * below the old run's last seq when the browser comes back. */
        const before = await waitForEvents(page, 15);
        checkClean(o.rec);
        const port = o.server.port;
        assert((await o.server.stop()) === 0, 'pushlab-sse exits 0 on SIGTERM');
        const last = (await eventRows(page)).pop().seq;
        o.server = null;
        await sleep(700); /* the browser retries, and fails, meanwhile */
        o.server = await h.startServer('sse', ['--interval', TICK_MS, '--retry', 500], port);
        const rows = await waitFor('events after the restart', async () => {
            const all = await eventRows(page);
            return all.length >= before.length + 3 && all;
        });
        const reconnect = o.rec.requests.filter((r) => new URL(r.url).pathname === '/events' &&
                                                r.headers['last-event-id'] !== undefined);
        assert(reconnect.length >= 1, 'the browser reconnected with a Last-Event-ID header');
        assert(reconnect[reconnect.length - 1].headers['last-event-id'] === String(last),
               'it sent Last-Event-ID: ' + last + ', the last id it had seen');
        assert((await page.textContent('#connections')).includes('Last-Event-ID: ' + last),
               'the page shows the Last-Event-ID its reconnection sent');
        /* seq counts from 1 in each server run, so the old run's id means
         * nothing to the new one: the page must say the server restarted,
         * and go on from there in order. */
        assert(await page.$('#events tr.restart') !== null, 'the page shows the restart');
        const restartAt = rows.findIndex((r, i) => i > 0 && r.seq <= rows[i - 1].seq);
        checkInOrder(rows.slice(0, restartAt), 1500);
        checkInOrder(rows.slice(restartAt), 5000);
        assert(await page.$('#events tr.gap') === null, 'no gap in either run');
        console.log('     the old run ended at seq ' + last + ', the page joined the new run at seq ' +
                    rows[restartAt].seq);
        checkConsoleAfterRestart(o.rec);
    } finally {
        await closeAll(o);
    }
}

/* WebSocket: the page's echo test sends text and binary messages to
 * /echo and finds each one back unchanged. */
async function wsEcho(browser) {
    await withPage(browser, 'ws', ['--interval', TICK_MS], async ({rec, page}) => {
        for (const kind of ['text', 'binary']) {
            await page.fill('#echo-size', '70000'); /* a 64-bit length in the frame header */
            await page.click('#echo-' + kind);
            const result = await waitFor('the ' + kind + ' echo', async () =>
                page.$eval('#echo-result', (o) => o.dataset.result));
            assert(result === 'ok', kind + ' echo came back ' + result + ': ' +
                   await page.textContent('#echo-result'));
        }
        const paths = rec.websockets.map((url) => new URL(url).pathname);
        assert(paths.filter((p) => p === '/echo').length === 2 && paths.includes('/ws'),
               'the page opened /ws, then /echo once per test: ' + paths.join(' '));
        checkClean(rec);
    });
}

/* ------------------------------------------------------------ the list */

const PAGES = [
    {name: 'poll', maxLatencyMs: 3000, more: [['interval control', pollInterval],
                                              ['JSONP switch', pollJsonp]]},
    {name: 'longpoll', maxLatencyMs: 1500, more: [['requests held', longpollHold]]},
    {name: 'iframe', maxLatencyMs: 1500, more: [['hidden iframe stream', iframeStream]]},
    {name: 'xhr', maxLatencyMs: 1500, more: [['XHR and fetch reading', xhrModes]]},
    {name: 'sse', maxLatencyMs: 1500, more: [['resume by hand', sseDrop],
                                             ['server restart', sseRestart]]},
    {name: 'ws', maxLatencyMs: 1500, more: [['echo test', wsEcho]]},
];

h.runWithBrowser((browser) => {
    const tests = [];
    for (const p of PAGES) {
        tests.push({name: p.name + ': page, events in order, latency, chat',
                    fn: () => basicTest(browser, p.name, ['--interval', TICK_MS], p.maxLatencyMs)});
        for (const [what, fn] of p.more)
            tests.push({name: p.name + ': ' + what, fn: () => fn(browser)});
    }
    return tests;
});
