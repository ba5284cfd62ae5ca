/* deflate_node.js -- one node `ws` server and one node `ws` client talking
 * permessage-deflate (RFC 7692) on 127.0.0.1:PORT, for record_deflate.sh.
 *
 *   node deflate_node.js PORT takeover     both sides keep their LZ77 window
 *                                          across messages (the default), so
 *                                          repeated text shrinks to a few bytes
 *   node deflate_node.js PORT nocontext    server_no_context_takeover and
 *                                          client_no_context_takeover: every
 *                                          message is compressed on its own
 *   node deflate_node.js PORT fragmented   compressed messages sent in several
 *                                          frames (RSV1 on the first only, §6.1),
 *                                          with 10-bit windows both ways
 *
 * threshold 0 makes ws compress every message (its default leaves messages
 * under 1 KiB alone).  Messages are pushlab events, so the capture also
 * shows event lines; a binary message and a ping are mixed in.
 */
'use strict';

const {WebSocket, WebSocketServer} = require('ws');

const port = Number(process.argv[2]);
const mode = process.argv[3] || 'takeover';
const MODES = {
    takeover: {threshold: 0},
    nocontext: {threshold: 0, serverNoContextTakeover: true, clientNoContextTakeover: true},
    fragmented: {threshold: 0, serverMaxWindowBits: 10, clientMaxWindowBits: 10},
};
const deflate = MODES[mode];
if (!port || !deflate) {
    console.error('usage: node deflate_node.js PORT takeover|nocontext|fragmented');
    process.exit(2);
}

function event(seq, text) {
    return JSON.stringify({seq, ts: Date.now(), kind: 'tick', text});
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const sent = (ws, data, opts) => new Promise((resolve, reject) =>
    ws.send(data, opts, (err) => (err ? reject(err) : resolve())));

/* A message in pieces: every piece but the last has fin false. */
async function sendFragments(ws, pieces) {
    for (let i = 0; i < pieces.length; i++)
        await sent(ws, pieces[i], {fin: i === pieces.length - 1, compress: true});
}

async function serve(ws) {
    for (let seq = 1; seq <= 6; seq++) {
        await sent(ws, event(seq, 'tick number ' + seq + ' from node ws, tick tick tick'), {});
        await sleep(20);
    }
    await sent(ws, Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7]), {binary: true});
    if (mode === 'fragmented') {
        const long = event(7, 'a long event '.repeat(200));
        await sendFragments(ws, [long.slice(0, 900), long.slice(900, 1700), long.slice(1700)]);
        await sendFragments(ws, [event(8, 'héllo wörld, '), 'split ', 'in three'].map(String));
    }
    ws.ping('are you there');
    await sleep(50);
}

const wss = new WebSocketServer({host: '127.0.0.1', port, perMessageDeflate: deflate});
wss.on('connection', (ws) => {
    ws.on('message', () => {});
    serve(ws).catch((err) => { console.error(err); process.exit(1); });
});
wss.on('listening', () => {
    const ws = new WebSocket('ws://127.0.0.1:' + port + '/', {perMessageDeflate: deflate});
    let got = 0;
    ws.on('message', () => { got++; });
    ws.on('open', async () => {
        for (let i = 1; i <= 4; i++) {
            await sent(ws, 'chat message ' + i + ' from the node client, chat chat', {});
            await sleep(20);
        }
        if (mode === 'fragmented')
            await sendFragments(ws, ['client fragment one, ', 'client fragment two, ', 'three']);
        await sleep(400);
        ws.close(1000, 'done');
    });
    ws.on('close', () => {
        console.log('deflate_node ' + mode + ': ' + got + ' messages received');
        wss.close();
        setTimeout(() => process.exit(0), 100);
    });
});
