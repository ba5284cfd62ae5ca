/* h2_push.js -- push over HTTP/2 in the clear (h2c, prior knowledge) from
 * real stacks on 127.0.0.1:PORT, for record_h2.sh: a node `http2` server
 * with an event stream, and a client that is
 *
 *   node h2_push.js PORT curl   curl (nghttp2): GET /events, five events
 *                               100 ms apart on one stream
 *   node h2_push.js PORT curl-upgrade
 *                               curl --http2 (HTTP/1.1 and Upgrade: h2c) to
 *                               nghttpx on PORT, in front of this server on
 *                               a port of its own: the 101, then HTTP/2,
 *                               the GET's answer on stream 1 (node's http2
 *                               does not take the upgrade itself)
 *   node h2_push.js PORT node   node's http2 client: /events and /news on
 *                               one connection at once (streams 1 and 3
 *                               interleaved), a PING, a stream it cancels
 *                               (RST_STREAM CANCEL), /digest: three events
 *                               as NDJSON through node's gzip stream,
 *                               flushed after each (stream 7), then GOAWAY
 */
'use strict';

const http2 = require('http2');
const zlib = require('zlib');
const {execFile, spawn} = require('child_process');
const fs = require('fs');

const port = Number(process.argv[2]);
const client = process.argv[3] || 'curl';
if (!port || !['curl', 'curl-upgrade', 'node'].includes(client)) {
    console.error('usage: node h2_push.js PORT curl|curl-upgrade|node');
    process.exit(2);
}
const EVENTS = 5;
const EVENTS_DIGEST = 3;

function event(seq) {
    return JSON.stringify({seq, ts: Date.now(), kind: 'tick', text: 'pushed over HTTP/2'});
}

const server = http2.createServer();
server.on('stream', (stream, headers) => {
    const path = headers[':path'];
    if (path === '/events') {
        stream.respond({':status': 200, 'content-type': 'text/event-stream', 'cache-control': 'no-store'});
        let seq = 0;
        const timer = setInterval(() => {
            stream.write('id: ' + ++seq + '\ndata: ' + event(seq) + '\n\n');
            if (seq === EVENTS) {
                clearInterval(timer);
                stream.end();
            }
        }, 100);
        stream.on('close', () => clearInterval(timer));
    } else if (path === '/news') {
        setTimeout(() => {
            stream.respond({':status': 200, 'content-type': 'application/json'});
            stream.end(JSON.stringify([{seq: 1, kind: 'news', text: 'one answer, on stream 3'}]));
        }, 150);
    } else if (path === '/digest') {
        /* Compressed as compression middleware does it: one gzip stream,
         * flushed after each line, so each DATA frame decodes to a line. */
        stream.respond({':status': 200, 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip'});
        const gz = zlib.createGzip();
        gz.pipe(stream);
        let seq = 0;
        const next = () => {
            gz.write(event(++seq) + '\n');
            gz.flush(() => (seq === EVENTS_DIGEST ? gz.end() : setTimeout(next, 60)));
        };
        next();
    } else { /* /slow: never answered; the client gives up */
        stream.on('error', () => {});
    }
});

function done(what) {
    console.log('h2_push ' + client + ': ' + what);
    server.close();
    setTimeout(() => process.exit(0), 200);
}

function viaCurl() {
    execFile('curl', ['-sS', '--http2-prior-knowledge', 'http://127.0.0.1:' + port + '/events'],
             (err, stdout) => {
                 if (err)
                     throw err;
                 done((stdout.match(/^data:/mg) || []).length + ' events');
             });
}

/* nghttpx (nghttp2's proxy) takes HTTP/1.1's Upgrade: h2c on a
 * cleartext front end, as curl's own tests use it, and passes the
 * streams on to this server over HTTP/2.  Only PORT is recorded. */
function viaCurlUpgrade(backend) {
    const proxy = spawn('nghttpx', ['--frontend=127.0.0.1,' + port + ';no-tls',
                                    '--backend=127.0.0.1,' + backend + ';;proto=h2', '--workers=1',
                                    '--conf=/dev/null', '--errorlog-file=/dev/stderr',
                                    '--accesslog-file=/dev/null', '--log-level=WARN'],
                        {stdio: ['ignore', 'inherit', 'inherit']});
    proxy.on('error', (err) => { throw err; });
    /* Wait until it listens, seen in the kernel's socket table rather
     * than by connecting: a probe connection would be recorded too. */
    const started = Date.now();
    const listening = () => fs.readFileSync('/proc/net/tcp', 'utf8').split('\n').some((line) => {
        const f = line.trim().split(/\s+/);
        return f[1] && f[1].endsWith(':' + port.toString(16).toUpperCase().padStart(4, '0')) && f[3] === '0A';
    });
    const whenListening = () => {
        if (!listening()) {
            if (Date.now() - started > 5000)
                throw new Error('nghttpx did not listen on ' + port);
            setTimeout(whenListening, 50);
            return;
        }
        execFile('curl', ['-sS', '--http2', 'http://127.0.0.1:' + port + '/events'], (err, stdout) => {
            proxy.kill();
            if (err)
                throw err;
            done((stdout.match(/^data:/mg) || []).length + ' events');
        });
    };
    whenListening();
}

function viaNode() {
    const session = http2.connect('http://127.0.0.1:' + port);
    let events = 0, news = '';
    const ev = session.request({':path': '/events'});
    ev.setEncoding('utf8');
    ev.on('data', (text) => { events += (text.match(/^data:/mg) || []).length; });
    const nw = session.request({':path': '/news'});
    nw.setEncoding('utf8');
    nw.on('data', (text) => { news += text; });
    const slow = session.request({':path': '/slow'});
    slow.on('error', () => {});
    setTimeout(() => slow.close(http2.constants.NGHTTP2_CANCEL), 50);
    setTimeout(() => session.ping(Buffer.from('pushlab!'), () => {}), 250);
    let digest = '', ended = 0;
    const end = () => {
        if (++ended < 2)
            return;
        session.close();
        done(events + ' events, ' + news.length + ' bytes of news, ' +
             (digest.match(/"seq"/g) || []).length + ' events of digest');
    };
    setTimeout(() => {
        const dg = session.request({':path': '/digest', 'accept-encoding': 'gzip'});
        const gunzip = zlib.createGunzip();
        dg.pipe(gunzip);
        gunzip.setEncoding('utf8');
        gunzip.on('data', (text) => { digest += text; });
        gunzip.on('end', end);
    }, 100);
    ev.on('end', end);
}

if (client === 'curl-upgrade') /* the server on a port of its own, behind nghttpx */
    server.listen(0, '127.0.0.1', () => viaCurlUpgrade(server.address().port));
else
    server.listen(port, '127.0.0.1', () => (client === 'curl' ? viaCurl : viaNode)());
