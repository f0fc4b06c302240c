// The demo site end to end (CPU fallback): every route by its link and by deep link, the back
// button, the help overlay, the results table against results/results.csv, screenshots at a
// laptop and a tablet size, and no request outside the origin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { serve, launch, shots, root, dist } from './harness.mjs';

const ROUTES = ['', 'results', 'viewer', 'study', 'about'];
const csv = fs.readFileSync(path.join(root, 'results/results.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
// results.md's paired VIF tables (engine/src/paired.rs, written by `coordsr eval`): comparison,
// dataset, scale and the cell the results page must show for it.
const paired = fs.readFileSync(path.join(root, 'results/results.md'), 'utf8').split('\n### ').slice(1)
  .filter((sec) => sec.split('\n')[0].endsWith(': VIF'))
  .flatMap((sec) => {
    const comparison = sec.split('\n')[0].replace(/: VIF$/, '');
    return sec.split('\n').filter((l) => /^\| [^-|][^|]* \| [0-9.]+× \|/.test(l)).map((l) => {
      const [dataset, scale, , mean, ci, p] = l.split('|').slice(1, -1).map((x) => x.trim());
      return { comparison, dataset, scale: scale.replace('×', ''), text: `${mean} ${ci} p ${p.startsWith('–') ? '–' : p}` };
    });
  });

test('content security policy', () => {
  // The built page's policy allows its own origin only, and the module script Trunk inlines is
  // the one it names by hash (otherwise the page would not start: say so plainly here).
  const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
  const csp = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)"/)?.[1];
  assert.ok(csp, 'index.html has a Content-Security-Policy');
  assert.match(csp, /connect-src 'self';/);
  assert.match(csp, /default-src 'self';/);
  const scripts = [...html.matchAll(/<script type="module">([\s\S]*?)<\/script>/g)].map((m) => m[1]);
  assert.equal(scripts.length, 1, 'one inline script (Trunk\'s loader)');
  const hash = `'sha256-${crypto.createHash('sha256').update(scripts[0]).digest('base64')}'`;
  assert.ok(csp.includes(hash), `the CSP names ${hash}, the hash of Trunk's inline loader (update index.html)`);
});

test('demo site', { timeout: 600_000 }, async () => {
  const server = await serve();
  const browser = await launch(false);
  try {
    for (const [w, h] of [[1280, 800], [820, 1180]]) {
      const page = await browser.newPage({ viewport: { width: w, height: h }, deviceScaleFactor: 1 });
      page.setDefaultTimeout(300_000);
      const requests = [];
      page.on('request', (r) => requests.push(r.url()));
      const violations = [];
      page.on('console', (m) => { if (/Content Security Policy|Refused to/.test(m.text())) violations.push(m.text()); });
      await page.goto(`${server.origin}/?backend=cpu`);
      await page.waitForSelector('[data-testid=page-home]');
      // Content shows before the model is ready; the strip decodes once it is.
      await page.waitForFunction(() => window.coordsrFrame && window.coordsrFrame.method === 'coord');
      for (const r of ROUTES) {
        await page.click(`[data-testid=nav-${r}]`);
        await page.waitForSelector(`[data-testid=page-${r || 'home'}]`);
        assert.equal(await page.$eval('.site-nav a.current', (a) => a.getAttribute('href')), `#/${r}`);
        if (r === 'results') await page.waitForSelector('[data-testid=results-table]');
        await page.screenshot({ path: path.join(shots, `site-${r || 'home'}-${w}x${h}.png`), fullPage: r !== 'viewer' });
      }
      // Back walks the routes in reverse.
      await page.goBack();
      await page.waitForSelector('[data-testid=page-study]');
      await page.goBack();
      await page.waitForSelector('[data-testid=page-viewer]');
      // Deep link + reload.
      await page.goto(`${server.origin}/?backend=cpu#/results`);
      await page.reload();
      await page.waitForSelector('[data-testid=results-table]');

      // The results table is results.csv, cell for cell (VIF / PSNR of every row and scale).
      const cells = await page.$$eval('[data-testid=results-table]', (tables) => tables.flatMap((t) =>
        [...t.querySelectorAll('tbody tr')].flatMap((tr) => [...tr.querySelectorAll('td[data-scale]')].map((td) => ({
          dataset: t.dataset.dataset, method: tr.dataset.method, lambda: tr.dataset.lambda, train: tr.dataset.train,
          scale: td.dataset.scale, text: td.textContent })))));
      let checked = 0;
      for (const [method, lambda, train, scale, vif, psnr, , , dataset] of csv) {
        const c = cells.find((x) => x.dataset === dataset && x.method === method && x.lambda === lambda && x.train === train && x.scale === scale);
        assert.ok(c, `no cell for ${method} ${lambda} ${train} ${scale} ${dataset}`);
        assert.equal(c.text, `${Number(vif).toFixed(3)} / ${Number(psnr).toFixed(2)}`);
        checked++;
      }
      assert.equal(checked, csv.length);

      // The paired margins are computed in the page from results/per_slice.csv by the engine's
      // paired module: the same numbers as results.md, every comparison, dataset and scale.
      const pairedCells = await page.$$eval('[data-testid=paired-table]', (tables) => tables.flatMap((t) =>
        [...t.querySelectorAll('tbody tr')].flatMap((tr) => [...tr.querySelectorAll('td[data-scale]')].map((td) => ({
          dataset: t.dataset.dataset, comparison: tr.dataset.comparison, scale: td.dataset.scale, text: td.textContent })))));
      assert.ok(paired.length > 0, 'results.md has paired VIF tables');
      for (const want of paired) {
        const c = pairedCells.find((x) => x.dataset === want.dataset && x.comparison === want.comparison && x.scale === want.scale);
        assert.ok(c, `no paired cell for ${want.comparison} at ${want.scale}× on ${want.dataset}`);
        assert.equal(c.text, want.text, `${want.comparison} at ${want.scale}× on ${want.dataset}`);
      }
      assert.equal(pairedCells.filter((c) => c.text !== '–').length, paired.length);

      // The help overlay: ? opens it, Escape closes it.
      await page.focus('.app');
      await page.keyboard.press('?');
      await page.waitForSelector('[data-testid=help]:not([hidden])');
      await page.screenshot({ path: path.join(shots, `site-help-${w}x${h}.png`) });
      await page.keyboard.press('Escape');
      await page.waitForSelector('[data-testid=help]', { state: 'hidden' });

      assert.deepEqual(requests.filter((u) => !u.startsWith(server.origin) && !u.startsWith('blob:') && !u.startsWith('data:')), []);
      // Nothing the site does is blocked by its own policy (every route, the workers, the help).
      assert.deepEqual(violations, []);
      await page.close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
});

test('modes follow the route: other pages never change what the viewer was showing', { timeout: 600_000 }, async () => {
  const server = await serve();
  const browser = await launch(false);
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
    page.setDefaultTimeout(300_000);
    // The viewer comparing bicubic with nearest in the simulated 2× mode.
    await page.goto(`${server.origin}/?backend=cpu&method=bicubic&compare=nearest&simulate=2#/viewer`);
    await page.waitForSelector('[data-testid=page-viewer]');
    await page.waitForFunction(() => window.coordsrFrames && window.coordsrFrames[1] && window.coordsrFrames[1].method === 'nearest');
    const viewer = async () => ({
      split: await page.$eval('[data-testid=viewport-1]', (c) => !c.closest('.pane').hidden),
      simulate: await page.$eval('[data-testid=simulate]', (s) => s.value),
      compare: await page.$eval('[data-testid=compare]', (s) => s.value),
      left: await page.$eval('[data-testid=pane-label-0]', (s) => s.textContent),
    });
    const before = await viewer();
    assert.deepEqual(before, { split: true, simulate: '2', compare: 'nearest', left: 'bicubic · from 2× low-res' });
    // Home shows one coord pane, not simulated, whatever the viewer had...
    await page.click('[data-testid=nav-]');
    await page.waitForSelector('[data-testid=page-home]');
    await page.waitForFunction(() => window.coordsrFrame && window.coordsrFrame.method === 'coord' && window.coordsrFrame.simulate === null);
    assert.equal(await page.$eval('[data-testid=pane-label-0]', (s) => s.textContent), 'coord (any scale)');
    // ...and the viewer comes back as the user left it.
    await page.click('[data-testid=nav-viewer]');
    await page.waitForSelector('[data-testid=page-viewer]');
    await page.waitForFunction(() => window.coordsrFrame && window.coordsrFrame.method === 'bicubic' && window.coordsrFrame.simulate === 2);
    assert.deepEqual(await viewer(), before);
    await page.close();
  } finally {
    await browser.close();
    await server.close();
  }
});
