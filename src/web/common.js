/* common.js -- what every pushlab demo page shares.
 *
 * Each page (poll.html, sse.html, ...) holds only what is special about
 * its technique: its title and explanation, its own controls, what to look
 * for in pushviz, and the code that gets events from the server.  This file
 * builds the rest, the same on every page:
 *
 *   - the layout: two columns, named on the page's <main> element,
 *       <main data-columns="#controls events | counters log #pushviz">
 *     left of the bar the first column, right of it the second, top to
 *     bottom.  A name with # is one of the page's own panels (by id); a
 *     bare name is a panel built here: "events", "counters" or "log".
 *     Whatever else <main> holds (the explanation) stays below, full width.
 *   - the event list ("events"): seq, kind, text, and the delivery latency,
 *     now - ts.  ts is the server's clock when it made the event; server and
 *     browser run on the same machine here, so the difference is the time
 *     the event spent waiting and travelling.  A missing seq is shown as a
 *     gap, and a seq that goes back as a server restart (seq counts from 1
 *     per run).  Under it, a chat box: POST /send makes the server
 *     broadcast the text as an event, which comes back through the
 *     technique like any other.  (The Flash page, which shows no events,
 *     has its own <form id="chat"> instead, and this file fills it.)
 *   - counters ("counters"): requests made, events received, bytes received
 *     (when the browser lets a page know them), latency.
 *   - a connection log ("log"): what the technique did on the wire (a
 *     request held for 3 s, a reconnection, a stream that ended...).
 *   - the heading of the pushviz box: the command to watch this port, and
 *     the port in any command on the page (<span class="server-port">).
 *
 * Whatever way an event arrives, the page hands it to lab.receive().
 * Plain script, no modules and no libraries, so that it runs from any
 * server and reads top to bottom.  Pages load it in <head>, so that the
 * layout is built before the browser first paints the page.
 */
'use strict';

const lab = (() => {
    const MAX_ROWS = 200; /* event rows kept on screen: a page open for hours stays small */
    const MAX_LOG = 100;  /* connection log lines kept */

    const state = {
        lastSeq: 0,        /* newest seq shown, in the server's current run (0 = none yet) */
        events: 0,         /* events shown */
        gaps: 0,           /* events that never arrived (holes in seq) */
        requests: 0,       /* HTTP requests the technique made */
        bytes: 0,          /* bytes received, as far as the page can know */
        latencySum: 0,     /* for the average */
        latencyMax: 0,     /* the worst delivery latency seen */
    };
    let bytesKnown = true; /* false when the browser hides the byte count */

    /* ------------------------------------------------------------ DOM helpers */

    function $(id) { return document.getElementById(id); }

    /* el('td', {className: 'seq'}, '12') -> <td class="seq">12</td> */
    function el(tag, props, text) {
        const node = document.createElement(tag);
        Object.assign(node, props || {});
        if (text !== undefined)
            node.textContent = text; /* textContent, never innerHTML: chat text is untrusted */
        return node;
    }

    function clock(ms) {
        const d = new Date(ms);
        const pad = (n, w) => String(n).padStart(w, '0');
        return pad(d.getHours(), 2) + ':' + pad(d.getMinutes(), 2) + ':' +
            pad(d.getSeconds(), 2) + '.' + pad(d.getMilliseconds(), 3);
    }

    /* ------------------------------------------------------------ counters */

    function showStats() {
        $('stat-requests').textContent = state.requests;
        $('stat-events').textContent = state.events;
        if (bytesKnown)
            $('stat-bytes').textContent = state.bytes;
        $('stat-latency').textContent = state.events === 0 ? '-' :
            Math.round(state.latencySum / state.events) + ' ms avg, ' +
            state.latencyMax + ' ms max';
        $('stat-gaps').textContent = state.gaps;
    }

    /* One more request on the wire (a poll, a stream opened, a reconnection).
     * Returns its number, to tell which request brought an event. */
    function countRequest() {
        state.requests++;
        showStats();
        return state.requests;
    }

    /* n more bytes of response received. */
    function countBytes(n) {
        state.bytes += n;
        showStats();
    }

    /* Count the body bytes of every response to `path` (for pages that make
     * one request per answer).  A page cannot see header sizes, but the
     * Resource Timing API tells the body size of each finished response,
     * whether fetch() or a <script> element loaded it. */
    function countBodyBytesOf(path) {
        new PerformanceObserver((list) => {
            for (const entry of list.getEntries())
                if (new URL(entry.name).pathname === path)
                    countBytes(entry.encodedBodySize);
        }).observe({type: 'resource'});
        /* The observer sees every entry; the browser's own list of them
         * would grow with every poll, so empty it when it fills. */
        performance.addEventListener('resourcetimingbufferfull',
                                     () => performance.clearResourceTimings());
    }

    /* ------------------------------------------------------------ events */

    function addRow(row) {
        const body = $('events-body');
        body.insertBefore(row, body.firstChild); /* newest on top */
        while (body.rows.length > MAX_ROWS)
            body.deleteRow(body.rows.length - 1);
    }

    /* A full-width note in the event list (a gap, a restart). */
    function addNote(className, text) {
        const row = el('tr', {className: className});
        row.appendChild(el('td', {colSpan: 5}, text));
        addRow(row);
    }

    /* An event {seq, ts, kind, text} arrived; `via` says how ("poll 12",
     * "stream 2"...). */
    function receive(ev, via) {
        const latency = Date.now() - ev.ts;
        /* The first event may be any seq: the page joins a running server. */
        let joining = state.events === 0;
        if (!joining && ev.seq <= state.lastSeq) {
            /* seq counts from 1 in each run of a server, so going back
             * means the server was restarted, and this page joins anew. */
            addNote('restart', 'seq went back from ' + state.lastSeq + ' to ' + ev.seq +
                    ': the server restarted (seq counts from 1 in each run, so a seq ' +
                    'of the old run means nothing to the new one)');
            log('the server restarted: seq went back to ' + ev.seq, 'error');
            joining = true;
        }
        /* After that, each event should be the next one. */
        if (!joining && ev.seq > state.lastSeq + 1) {
            const missing = ev.seq - state.lastSeq - 1;
            state.gaps += missing;
            addNote('gap', 'gap: ' + missing + ' event(s) never arrived (seq ' +
                    (state.lastSeq + 1) + (missing > 1 ? '-' + (ev.seq - 1) : '') + ')');
            log('gap: ' + missing + ' event(s) missed', 'error');
        }
        state.lastSeq = ev.seq;
        state.events++;
        state.latencySum += latency;
        state.latencyMax = Math.max(state.latencyMax, latency);

        const row = el('tr', {className: ev.kind});
        row.dataset.seq = ev.seq;
        row.appendChild(el('td', {className: 'seq'}, ev.seq));
        row.appendChild(el('td', {className: 'kind'}, ev.kind));
        row.appendChild(el('td', {className: 'text'}, ev.text));
        row.appendChild(el('td', {className: 'latency'}, latency + ' ms'));
        row.appendChild(el('td', {className: 'via'}, via || ''));
        addRow(row);
        showStats();
    }

    /* The seq of the newest event shown: where to resume from. */
    function lastSeq() { return state.lastSeq; }

    /* Parse one event from JSON text (a line, an SSE data field...). */
    function parseEvent(text) {
        const ev = JSON.parse(text);
        if (typeof ev.seq !== 'number' || typeof ev.ts !== 'number')
            throw new Error('not a pushlab event: ' + text.slice(0, 80));
        return ev;
    }

    /* ------------------------------------------------------------ connection log */

    function log(text, kind) {
        const list = $('log');
        const line = el('li', {className: kind || ''});
        line.appendChild(el('time', {}, clock(Date.now())));
        line.appendChild(document.createTextNode(' ' + text));
        list.insertBefore(line, list.firstChild);
        while (list.children.length > MAX_LOG)
            list.removeChild(list.lastChild);
    }

    /* ------------------------------------------------------------ chat */

    /* The usual way to talk back: an ordinary POST, whatever the technique
     * uses to push.  (Only WebSocket and the Flash socket can send on the
     * channel they receive on.) */
    async function postChat(text) {
        const res = await fetch('/send', {
            method: 'POST',
            headers: {'Content-Type': 'text/plain; charset=utf-8'},
            body: text,
        });
        if (res.status !== 204)
            throw new Error('POST /send answered ' + res.status + ' ' + (await res.text()).trim());
        return 'POST /send: 204, now watch it come back';
    }

    /* Fill the chat box, <form id="chat">: it hands its text to send(text),
     * an async function whose answer (or error) the box shows. */
    function setUpChat(form, send, hint) {
        /* 1000 characters are at most 4000 bytes of UTF-8: under the
         * server's limit for one chat message (MAX_CHAT_BYTES). */
        const input = el('input', {id: 'chat-text', type: 'text', maxLength: 1000, placeholder: hint});
        const status = el('output', {id: 'chat-status'});
        form.append(el('label', {htmlFor: 'chat-text'}, 'chat'), input,
                    el('button', {type: 'submit'}, 'Send'), status);
        form.addEventListener('submit', async (e) => {
            e.preventDefault();
            const text = input.value;
            if (text === '')
                return;
            try {
                status.textContent = await send(text);
                input.value = '';
            } catch (err) {
                status.textContent = 'not sent: ' + err.message;
            }
        });
    }

    /* ------------------------------------------------------------ the shared panels */

    /* <div class="panel"><h2>title</h2>children...</div> */
    function panel(title, ...children) {
        const div = el('div', {className: 'panel'});
        div.append(el('h2', {}, title), ...children);
        return div;
    }

    /* The event list (rows are added by receive()) and the chat box
     * (init() fills it). */
    function eventsPanel() {
        const table = el('table', {id: 'events'});
        const head = table.createTHead().insertRow();
        for (const h of ['seq', 'kind', 'text', 'latency', 'arrived by'])
            head.appendChild(el('th', {}, h));
        table.appendChild(el('tbody', {id: 'events-body'}));
        const box = el('div', {className: 'events-box'});
        box.appendChild(table);
        return panel('Events', box, el('form', {id: 'chat'}));
    }

    /* The counters every page has (showStats() fills them), then the
     * page's own, [id, label, first value] each. */
    function countersPanel(opts) {
        const bytesLabel = 'bytes received' + (opts.bytesLabel ? ' (' + opts.bytesLabel + ')' : '');
        const rows = [
            ['stat-requests', 'requests made'],
            ['stat-events', 'events received'],
            ['stat-bytes', bytesLabel, opts.bytesNote],
            ['stat-latency', 'delivery latency'],
            ['stat-gaps', 'events missed'],
            ...(opts.counters || []),
        ];
        const stats = el('dl', {id: 'stats'});
        for (const [id, label, value] of rows)
            stats.append(el('dt', {}, label), el('dd', {id: id}, value));
        return panel('Counters', stats);
    }

    function logPanel() {
        return panel('Connection log', el('ol', {id: 'log'}));
    }

    /* The names a page's data-columns may use for the panels built here. */
    const SHARED_PANELS = new Map([
        ['events', eventsPanel],
        ['counters', countersPanel],
        ['log', logPanel],
    ]);

    /* ------------------------------------------------------------ page set-up */

    /* <main data-columns="#controls events | counters log #pushviz"> becomes
     * <main><section>column 1</section><section>column 2</section>...</main>,
     * the page's own panels moved in and the shared ones built, in the order
     * named.  What <main> held besides stays after the two columns. */
    function layOut(main, opts) {
        const columns = main.dataset.columns.split('|').map((names) => {
            const column = el('section');
            for (const name of names.trim().split(/\s+/)) {
                const build = SHARED_PANELS.get(name);
                const part = name.startsWith('#') ? $(name.slice(1)) : build && build(opts);
                if (!part) /* a typo in data-columns: say so, not a blank column */
                    throw new Error('data-columns names "' + name + '", which is no panel of this page');
                column.appendChild(part);
            }
            return column;
        });
        main.prepend(...columns);
    }

    /* The pushviz box starts with the command that watches this page's port. */
    function addPushvizHeading(box, port) {
        box.prepend(el('h2', {}, 'What to look for in pushviz'),
                    el('pre', {}, "sudo bin/pushviz -i lo -f 'tcp port " + port + "'"));
    }

    /* Lay the page out, build the shared panels and set up the chat box
     * (the page's own <form id="chat"> when it names no "events").  Options:
     *   bytesNote  when the browser hides the byte count: why (shown instead)
     *   bytesLabel what the byte count counts ("response bodies", ...)
     *   counters   the page's own counters, [[id, label, first value], ...]
     *   send       async function(text) sending a chat message and saying
     *              how it went; default postChat
     *   chatHint   the chat box's placeholder text
     */
    function init(options) {
        const opts = options || {};
        bytesKnown = !opts.bytesNote;
        layOut(document.querySelector('main[data-columns]'), opts);
        /* Commands on the page name the host and port it came from: the
         * server may be behind pushlab-wan (10.77.0.2) or on IPv6, where a
         * URL writes the address in brackets ([::1]) and nc takes it bare. */
        const port = location.port || '80';
        const fill = (cls, text) => {
            for (const node of document.querySelectorAll('.' + cls))
                node.textContent = text;
        };
        addPushvizHeading(document.querySelector('.pushviz'), port);
        fill('server-port', port);
        fill('server-host', location.hostname);
        fill('server-addr', location.hostname.replace(/^\[(.*)\]$/, '$1'));
        setUpChat($('chat'), opts.send || postChat, opts.chatHint || 'say something to every open page');
        if ($('stats')) /* the Flash page, which cannot receive, has no counters */
            showStats();
    }

    return {init, receive, parseEvent, lastSeq, countRequest, countBytes, countBodyBytesOf, log,
            postChat};
})();
