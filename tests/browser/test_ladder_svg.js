/* test_ladder_svg.js -- pushviz --ladder FILE.svg opened in Chromium: the
 * arrows a slide shows must really be drawn, in the right colours and
 * directions, with the long poll's held time shaded.
 *
 * pushviz writes the ladder of one long-polling flow of the reference
 * capture; the page rasterises the SVG into a canvas (as an <img>, the way
 * a slide deck embeds it) and reads pixels back: the middle of every arrow
 * has its direction's colour, and so has the tip of its arrowhead, at the
 * lane the arrow points to.
 *
 *   node tests/browser/test_ladder_svg.js [--bin DIR] [--build DIR]
 */
'use strict';

const {spawnSync} = require('child_process');
const fs = require('fs');
const path = require('path');
const h = require('./harness');
const {assert} = h;

const CAPTURE = path.resolve(__dirname, '..', '..', 'captures', 'longpoll.pcap');
const COLOURS = {c2s: [0x15, 0x65, 0xc0], s2c: [0xe6, 0x51, 0x00]};

function writeLadder() {
    if (!fs.existsSync(CAPTURE))
        throw new h.Skip(CAPTURE + ' is missing (make captures records it)');
    const out = path.join(h.BUILD, 'ladder-longpoll.svg');
    fs.mkdirSync(h.BUILD, {recursive: true});
    const r = spawnSync(path.join(h.BIN, 'pushviz'), ['-r', CAPTURE, '-Y', 'flow == 1', '--ladder', out],
                        {encoding: 'utf8', timeout: 30000});
    assert(r.status === 0, 'pushviz --ladder exits 0: ' + r.stderr);
    assert(/wrote a ladder of \d+ rows/.test(r.stderr), 'pushviz says what it wrote: ' + r.stderr);
    return fs.readFileSync(out, 'utf8');
}

async function arrowsRender(browser) {
    const svg = writeLadder();
    const page = await browser.newPage();
    try {
        const result = await page.evaluate(async (text) => {
            const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
            if (doc.querySelector('parsererror'))
                return {error: 'not well-formed XML: ' + doc.querySelector('parsererror').textContent};
            const box = doc.documentElement.getAttribute('viewBox').split(' ').map(Number);
            const img = new Image();
            img.src = 'data:image/svg+xml;base64,' + btoa(unescape(encodeURIComponent(text)));
            await img.decode();
            const canvas = document.createElement('canvas');
            canvas.width = box[2];
            canvas.height = box[3];
            const ctx = canvas.getContext('2d');
            ctx.drawImage(img, 0, 0, box[2], box[3]);
            const px = (x, y) => Array.from(ctx.getImageData(Math.round(x), Math.round(y), 1, 1).data.slice(0, 3));
            const arrows = Array.from(doc.querySelectorAll('line.arrow')).map((l) => {
                const [x1, y1, x2, y2] = ['x1', 'y1', 'x2', 'y2'].map((a) => Number(l.getAttribute(a)));
                return {x1, y1, x2, y2, stroke: l.getAttribute('stroke'),
                        middle: px((x1 + x2) / 2, y1),
                        tip: px(x2 + (x2 > x1 ? -3 : 3), y2)};
            });
            return {arrows, labels: doc.querySelectorAll('g.row text').length,
                    held: doc.querySelectorAll('rect.held').length};
        }, svg);
        assert(!result.error, result.error);
        const arrows = result.arrows;
        assert(arrows.length > 20, 'a ladder of more than 20 arrows: ' + arrows.length);
        /* Is pixel p colour c laid over white with some coverage (thin lines
         * are anti-aliased): the same coverage in every channel, and enough. */
        const near = (p, c) => {
            const cover = p.map((v, i) => (255 - v) / (255 - c[i]));
            return Math.min(...cover) > 0.3 && Math.max(...cover) - Math.min(...cover) < 0.2;
        };
        let right = 0, left = 0;
        for (const a of arrows) {
            const dir = a.x2 > a.x1 ? 'c2s' : 's2c';
            if (a.stroke !== '#c62828') {
                assert(near(a.middle, COLOURS[dir]), `arrow at y=${a.y1} drawn in its colour: ${a.middle}`);
                assert(near(a.tip, COLOURS[dir]), `arrowhead at y=${a.y1} drawn at its lane: ${a.tip}`);
            }
            if (dir === 'c2s') right++; else left++;
        }
        assert(right > 5 && left > 5, `arrows both ways: ${right} right, ${left} left`);
        assert(result.labels >= arrows.length, 'every arrow has its time and label');
        assert(result.held >= 1, 'a held long poll is shaded: ' + result.held);
        await page.setContent('<body style="margin:0">' + svg.replace(/^<\?xml[^>]*>/, '') + '</body>');
        await h.screenshot(page, 'ladder-longpoll');
    } finally {
        await page.close();
    }
}

h.runWithBrowser((browser) => [
    {name: 'ladder: pushviz --ladder FILE.svg renders its arrows in Chromium', fn: () => arrowsRender(browser)},
]);
