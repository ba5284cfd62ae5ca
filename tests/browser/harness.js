/* harness.js -- what every pushlab browser test shares.
 *
 * Starts real server binaries on ephemeral ports (port 0; the port is read
 * from the contract's first stdout line "listening on ADDR:PORT"), drives
 * Debian's chromium through playwright-core with the flags of DESIGN.md,
 * and runs test cases with the summary line tests/run adds up:
 *   RESULT passed=N failed=N skipped=N
 * A suite that shares one browser among its cases is one call:
 *   h.runWithBrowser((browser) => [{name, fn: () => someTest(browser)}, ...]);
 *
 * Where things are:  --bin DIR (or $PUSHLAB_BIN, else ./bin) holds the
 * servers; --build DIR (or $PUSHLAB_BUILD, else ./build) gets screenshots.
 * Every wait has a deadline, so a hung server or page fails one test
 * instead of hanging the suite.
 */
'use strict';

const {spawn} = require('child_process');
const fs = require('fs');
const path = require('path');
const readline = require('readline');
const {chromium} = require('playwright-core');

const ROOT = path.resolve(__dirname, '..', '..');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
                        '--disable-background-networking', '--disable-component-update',
                        '--disable-sync'];
const START_TIMEOUT_MS = 5000; /* for the "listening on" line */
const STOP_TIMEOUT_MS = 5000;  /* after SIGTERM, before SIGKILL */
const TEST_TIMEOUT_MS = 60000; /* one test case */

/* --name DIR from the command line, else the environment, else ROOT/fallback. */
function option(name, envName, fallback) {
    const i = process.argv.indexOf('--' + name);
    if (i > 0 && i + 1 < process.argv.length)
        return path.resolve(process.argv[i + 1]);
    return process.env[envName] || path.join(ROOT, fallback);
}
const BIN = option('bin', 'PUSHLAB_BIN', 'bin');
const BUILD = option('build', 'PUSHLAB_BUILD', 'build');

/* Thrown by a test that cannot run here; printed with its reason and
 * counted as skipped, never as passed. */
class Skip extends Error {}

function sleep(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); }

/* Wait until check() (which may be async) returns something truthy, and
 * return that; throw "timed out ... waiting for WHAT" otherwise. */
async function waitFor(what, check, timeoutMs = 10000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const value = await check();
        if (value)
            return value;
        if (Date.now() > deadline)
            throw new Error('timed out after ' + timeoutMs + ' ms waiting for ' + what);
        await sleep(100);
    }
}

function assert(condition, message) {
    if (!condition)
        throw new Error('assertion failed: ' + message);
}

/* ------------------------------------------------------------ servers */

const running = new Set(); /* servers to kill if the script dies */

function serverPath(name) { return path.join(BIN, 'pushlab-' + name); }

function hasServer(name) {
    try {
        fs.accessSync(serverPath(name), fs.constants.X_OK);
        return true;
    } catch {
        return false;
    }
}

/* Start bin/pushlab-NAME (on 127.0.0.1 unless args say -b ADDR).  port 0
 * picks a free port; an old server's port restarts "the same" server.
 * server.origin is the http:// origin of the address it says it listens
 * on ("http://[::1]:PORT" for -b ::1).  Throws Skip when the binary is
 * not built. */
async function startServer(name, args = [], port = 0) {
    if (!hasServer(name))
        throw new Skip('no ' + serverPath(name) + ' (not built)');
    const proc = spawn(serverPath(name), ['-p', String(port), ...args.map(String)],
                       {stdio: ['ignore', 'pipe', 'pipe']});
    let stderr = '';
    proc.stderr.on('data', (d) => { stderr += d; });
    const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({code, signal})));
    const server = {
        name,
        proc,
        stderr: () => stderr,
        /* SIGTERM and wait; returns the exit code (null if it had to be
         * killed).  A sanitizer report on stderr is an error. */
        async stop() {
            if (proc.exitCode === null && proc.signalCode === null) {
                proc.kill('SIGTERM');
                if (!(await Promise.race([exited, sleep(STOP_TIMEOUT_MS)]))) {
                    proc.kill('SIGKILL');
                    await exited;
                }
            }
            running.delete(server);
            if (/AddressSanitizer|LeakSanitizer|runtime error:/.test(stderr))
                throw new Error('sanitizer report from pushlab-' + name + ':\n' + stderr.slice(-4000));
            return proc.exitCode;
        },
    };
    running.add(server);

    const lines = readline.createInterface({input: proc.stdout});
    const first = await Promise.race([
        new Promise((resolve) => lines.once('line', resolve)),
        exited.then((e) => 'exited with ' + (e.code ?? e.signal)),
        sleep(START_TIMEOUT_MS).then(() => 'no output in ' + START_TIMEOUT_MS + ' ms'),
    ]);
    const m = /^listening on (.+):(\d+)$/.exec(first.trim());
    if (!m) {
        await server.stop().catch(() => {});
        throw new Error('pushlab-' + name + ' did not start: ' + first + '\n' + stderr);
    }
    lines.on('line', () => {}); /* keep draining stdout */
    server.port = Number(m[2]);
    server.host = m[1]; /* "127.0.0.1", "[::1]": as a URL writes it */
    server.origin = 'http://' + server.host + ':' + server.port;
    return server;
}

process.on('exit', () => {
    for (const s of running)
        s.proc.kill('SIGKILL');
});

/* ------------------------------------------------------------ browser */

function launchBrowser() {
    return chromium.launch({executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true});
}

/* Open the server's demo page (GET /) in a fresh browser context.  The
 * returned record collects, from the first request on:
 *   consoleErrors  console errors and uncaught exceptions
 *   external       requests to anything but the server itself
 *   requests       every request: {method, url, type ("fetch", "script"...),
 *                  headers (as sent)}
 *   responses      every response: {url, status, headers}
 *   websockets     the URL of every WebSocket the page opened */
async function openPage(browser, server) {
    const context = await browser.newContext({viewport: {width: 1280, height: 900}});
    const page = await context.newPage();
    const record = {page, context, consoleErrors: [], external: [], requests: [], responses: [],
                    websockets: []};
    page.on('console', (msg) => {
        if (msg.type() === 'error')
            record.consoleErrors.push(msg.text());
    });
    page.on('pageerror', (err) => record.consoleErrors.push('uncaught: ' + err.message));
    page.on('request', (req) => {
        const url = new URL(req.url());
        if (url.origin !== server.origin && url.protocol !== 'data:')
            record.external.push(req.url());
        const entry = {method: req.method(), url: req.url(), type: req.resourceType(),
                       headers: req.headers()};
        record.requests.push(entry);
        /* headers() lacks those the network stack adds (Last-Event-ID of an
         * EventSource reconnection, for one); allHeaders() has them, a bit later. */
        req.allHeaders().then((all) => { entry.headers = all; }, () => {});
    });
    page.on('websocket', (ws) => {
        if (new URL(ws.url()).host !== new URL(server.origin).host)
            record.external.push(ws.url());
        record.websockets.push(ws.url());
    });
    page.on('response', (res) => {
        record.responses.push({url: res.url(), status: res.status(), headers: res.headers()});
    });
    try {
        await page.goto(server.origin + '/', {waitUntil: 'load', timeout: 15000});
    } catch (err) {
        await context.close();
        throw err;
    }
    return record;
}

/* Save a full-page screenshot as BUILD/screenshots/NAME.png; returns the path. */
async function screenshot(page, name) {
    const dir = path.join(BUILD, 'screenshots');
    fs.mkdirSync(dir, {recursive: true});
    const file = path.join(dir, name + '.png');
    await page.screenshot({path: file, fullPage: true});
    return file;
}

/* ------------------------------------------------------------ running tests */

/* Run each {name, fn} in turn; print one line each and the RESULT line;
 * the exit code is 1 when any test failed. */
async function run(tests) {
    let passed = 0, failed = 0, skipped = 0;
    for (const t of tests) {
        const started = Date.now();
        let timer;
        const timeout = new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error('over ' + TEST_TIMEOUT_MS + ' ms')),
                               TEST_TIMEOUT_MS);
        });
        try {
            await Promise.race([t.fn(), timeout]);
            passed++;
            console.log('ok   ' + t.name + ' (' + ((Date.now() - started) / 1000).toFixed(2) + 's)');
        } catch (err) {
            if (err instanceof Skip) {
                skipped++;
                console.log('SKIP ' + t.name + ': ' + err.message);
            } else {
                failed++;
                console.log('FAIL ' + t.name + '\n    ' +
                            String(err.stack || err).replace(/\n/g, '\n    '));
            }
        } finally {
            clearTimeout(timer);
        }
    }
    console.log('RESULT passed=' + passed + ' failed=' + failed + ' skipped=' + skipped);
    process.exitCode = failed ? 1 : 0;
}

/* A suite's whole main: launch one browser, run the cases that
 * cases(browser) lists, close the browser.  When the suite itself fails
 * (the browser does not start...), that is one failed test. */
function runWithBrowser(cases) {
    (async () => {
        const browser = await launchBrowser();
        try {
            await run(cases(browser));
        } finally {
            await browser.close();
        }
    })().catch((err) => {
        console.log('FAIL the browser suite itself: ' + (err.stack || err));
        console.log('RESULT passed=0 failed=1 skipped=0');
        process.exit(1);
    });
}

module.exports = {
    BIN, BUILD, Skip, sleep, waitFor, assert,
    hasServer, startServer, launchBrowser, openPage, screenshot, run, runWithBrowser,
};
