// The demo site end to end (CPU fallback): every route by its link and by deep link, the back
// button, the help overlay, the results table against results/results.csv, screenshots at a
// laptop and a tablet size, and no request outside the origin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { serve, launch, shots, root, dist, coordsr } from './harness.mjs';

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

/** loso.md's table rows (after the heading `### title`) as arrays of cells. */
function mdTable(md, title) {
  const sec = md.split(`\n### ${title}\n`)[1];
  assert.ok(sec, `loso.md has "### ${title}"`);
  return sec.split('\n### ')[0].split('\n').filter((l) => l.startsWith('| ') && !/^\| (configuration|claim|dataset) \|/.test(l))
    .map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
}

test('results page: the cross-subject round as loso.json says, now and with test scores', { timeout: 300_000 }, async () => {
  // A synthetic finished round (not data: made-up scores with a known shape): four folds, the
  // sixteen seed-1 runs of the skip rule, three seeds of coord, test scores at 1.5–4×.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'coordsr-loso-'));
  const val = ['fold,validation_subject,seed,method,skip,lambda,train_scales,best_step,val_vif'];
  const slices = ['fold,test_subject,seed,method,skip,lambda,train_scales,query_scale,dataset,slice,psnr,ssim,vif'];
  for (let k = 1; k <= 4; k++) {
    for (const [m, skip, l, ts, v] of [['coord', 'bilinear', '10', '1-2', 0.64], ['coord', 'zerofill', '10', '1-2', 0.63], ['conv', 'zerofill', '0', '2', 0.6], ['conv', 'bilinear', '0', '2', 0.59]]) {
      val.push(`${k},v${k},1,${m},${skip},${l},${ts},4000,${v + k / 1000}`);
    }
    for (const scale of [1.5, 2, 3, 4]) {
      for (let i = 0; i < 10; i++) {
        const base = 0.5 + i / 100 - scale / 20;
        slices.push(`${k},s${k},,bicubic,,,,${scale},s${k},${i},${30 + base},0.9,${base}`);
        slices.push(`${k},s${k},,zerofill,,,,${scale},s${k},${i},${30.2 + base},0.9,${base + 0.01}`);
        if (i < 4) slices.push(`${k},s${k},,bicubic,,,,${scale},knee,${i},29,0.8,${base - 0.1}`);
        for (let s = 1; s <= 3; s++) {
          const gain = 0.02 + 0.004 * k - 0.003 * s + (i % 3) / 500 + (k === 3 ? -0.03 : 0);
          slices.push(`${k},s${k},${s},coord,bilinear,10,1-2,${scale},s${k},${i},${30.5 + base},0.91,${base + gain}`);
          if (scale === 2) slices.push(`${k},s${k},${s},conv,zerofill,0,2,2,s${k},${i},${30.4 + base},0.9,${base + gain - 0.005}`);
          if (i < 4) slices.push(`${k},s${k},${s},coord,bilinear,10,1-2,${scale},knee,${i},29.5,0.8,${base - 0.1 + gain - 0.02}`);
        }
      }
    }
  }
  fs.writeFileSync(path.join(tmp, 'loso_validation.csv'), val.join('\n') + '\n');
  fs.writeFileSync(path.join(tmp, 'loso_per_slice.csv'), slices.join('\n') + '\n');
  execFileSync(coordsr, ['eval', '--loso-summary', tmp, '-o', tmp]);
  const md = fs.readFileSync(path.join(tmp, 'loso.md'), 'utf8');
  const server = await serve();
  const browser = await launch(false);
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const read = (sel) => page.$$eval(`${sel} tbody tr`, (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())));
    // Today's round, as committed: its state line and skip-rule table are loso.md's.
    const today = fs.readFileSync(path.join(root, 'results/loso.md'), 'utf8');
    await page.goto(`${server.origin}/?backend=cpu#/results`);
    await page.waitForSelector('[data-testid=loso-state]');
    assert.equal(await page.textContent('[data-testid=loso-state]'), today.split('\n')[0]);
    const rule = (m) => mdTable(m, 'The skip rule (best validation VIF, seed 1)').map((r) => r.map((c) => (c === 'yes' ? 'default' : c)));
    assert.deepEqual(await read('[data-testid=loso-rule]'), rule(today));
    assert.equal((await read('[data-testid=loso-claims]')).length, mdTable(today, "The poster's claims").length);
    // The finished synthetic round: every table and claim cell as loso.md has it.
    await page.route('**/results/loso.json', (r) => r.fulfill({ path: path.join(tmp, 'loso.json'), contentType: 'application/json' }));
    await page.reload();
    await page.waitForSelector('[data-testid=loso-table]');
    assert.equal(await page.textContent('[data-testid=loso-state]'), md.split('\n')[0]);
    assert.match(md.split('\n')[0], /coord's default is coord λ=10 1–2× bilinear, conv's is conv λ=0 2× zerofill/);
    assert.deepEqual(await read('[data-testid=loso-rule]'), rule(md));
    assert.deepEqual(await read('[data-testid=loso-table][data-against=bicubic]'), mdTable(md, 'Against bicubic'));
    assert.deepEqual(await read('[data-testid=loso-table][data-against=zerofill]'), mdTable(md, 'Against zerofill'));
    assert.deepEqual(await read('[data-testid=loso-ood]'), mdTable(md, 'Out of distribution: VIF margins on scans no fold trained on'));
    assert.equal((await read('[data-testid=loso-ood]')).length, 4, 'the knee at four scales');
    const claims = await read('[data-testid=loso-claims]');
    assert.deepEqual(claims, mdTable(md, "The poster's claims").map((r) => (r[4] === 'no runs yet' ? [...r.slice(0, 4), '', ...r.slice(5)] : r)));
    assert.ok(claims.some((c) => c[6] === 'reproduced') && claims.some((c) => c[6] === 'not tested'), JSON.stringify(claims));
    await page.screenshot({ path: path.join(shots, 'site-results-loso.png'), fullPage: true });
  } finally {
    await browser.close();
    await server.close();
  }
});
