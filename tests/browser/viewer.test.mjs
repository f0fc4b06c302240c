// The viewer end to end, once with a WebGPU adapter and once without (CPU fallback): load,
// change slice, zoom to a non-integer scale, compare the decoded pixels with the native engine,
// check that nothing left the origin, save a screenshot, and show a bad file's error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { serve, launch, writeTestNifti, readNpy, coordsr, shots, root } from './harness.mjs';

const WEIGHTS = path.join(root, 'static/weights/coord.csrw');
const TIMEOUT = 600_000;

/** Wait for a complete frame with the fields of `want` (`method`, `slice`, `zoom` within 1e-6,
 * `minWidth`). A function, not a string: the page's Content-Security-Policy forbids eval. */
async function frame(page, want, what) {
  console.log(`# waiting for ${what}`);
  await page.waitForFunction((w) => {
    const f = window.coordsrFrame;
    return !!f && (w.method === undefined || f.method === w.method) && (w.slice === undefined || f.slice === w.slice)
      && (w.zoom === undefined || Math.abs(f.zoom - w.zoom) < 1e-6) && (w.minWidth === undefined || f.width >= w.minWidth);
  }, want, { timeout: TIMEOUT, polling: 250 })
    .catch((e) => { throw new Error(`waiting for ${what}: ${e.message}`); });
  return page.evaluate(() => { const f = window.coordsrFrame; return { ...f, data: Array.from(f.data) }; });
}

const tiers = process.env.COORDSR_TIERS ? process.env.COORDSR_TIERS.split(',') : ['webgpu', 'cpu'];
for (const webgpu of tiers.map((t) => t === 'webgpu')) {
  const tier = webgpu ? 'webgpu' : 'cpu';
  test(`viewer (${tier})`, { timeout: TIMEOUT }, async () => {
    const server = await serve();
    const browser = await launch(webgpu);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `coordsr-e2e-${tier}-`));
    try {
      // A small viewport, smaller still on WebGPU: SwiftShader runs WebGPU on the CPU at a small
      // fraction of burn's native CPU speed, and this is a correctness test, not a speed test.
      const size = webgpu ? { width: 560, height: 400 } : { width: 640, height: 520 };
      const page = await browser.newPage({ viewport: size, deviceScaleFactor: 1 });
      const requests = [];
      page.on('request', (r) => requests.push(r.url()));
      const logs = [];
      page.on('console', (m) => logs.push(m.text()));
      if (webgpu) {
        // The only adapter here is SwiftShader, a software renderer far slower than the CPU tier:
        // by default it is not chosen, and the status line says why.
        await page.goto(server.origin + '/?method=bicubic&layout=1');
        await frame(page, { method: 'bicubic' }, 'the sample (automatic tier)');
        const auto = await page.textContent('[data-testid=status]');
        assert.match(auto, /CPU fallback \(the WebGPU adapter \(.*\) is a (software renderer|fallback)/i, auto);
        assert.match(auto, /\?backend=webgpu forces it/, auto);
      }
      // Open on the bundled sample, shown with bicubic so start-up is quick on software WebGPU;
      // ?backend=webgpu forces the software adapter for this correctness test.
      // One pane (?layout=1): the comparison split and the simulated mode live there; the
      // three-plane layout has its own test (planes.test.mjs).
      await page.goto(server.origin + (webgpu ? '/?backend=webgpu&method=bicubic&layout=1' : '/?method=bicubic&layout=1'));
      await frame(page, { method: 'bicubic' }, 'the sample');
      const status = await page.textContent('[data-testid=status]');
      assert.match(status, webgpu ? /WebGPU \(.*\) · in a decoding worker/ : /CPU fallback/, status);
      // burn-wgpu is a module of its own (app/gpu), loaded only by the WebGPU tier's worker: the
      // CPU tier never downloads it.
      const gpuModule = requests.some((u) => u.endsWith('/coordsr-gpu_bg.wasm'));
      assert.equal(gpuModule, webgpu, `the WebGPU module was ${gpuModule ? '' : 'not '}loaded`);
      // The WGSL display (shaders/display.wgsl), read back from an offscreen texture: the same
      // colours as the Canvas 2D mapping, within rounding. Without an adapter it cannot run.
      const display = await page.evaluate(() => window.coordsrDisplayCheck().then((d) => ({ d }), (e) => ({ e: String(e) })));
      if (webgpu) assert.ok(display.d !== undefined && display.d <= 1, `WGSL display vs Canvas 2D: ${JSON.stringify(display)}`);
      else assert.ok(display.e, 'no WebGPU display without an adapter');

      // Open a multi-slice volume, go one slice down, zoom to a non-integer scale.
      const vol = path.join(tmp, 'phantom.nii');
      writeTestNifti(vol);
      await page.setInputFiles('[data-testid=file]', vol);
      await frame(page, { slice: 2, minWidth: 1 }, 'the phantom');
      await page.focus('.app');
      await page.keyboard.press('ArrowDown');
      // The slider moves in steps of 0.01 in log2(zoom): 2^0.45 ≈ 1.366×, a non-integer scale.
      const step = 0.45;
      const zoom = 2 ** step;
      await page.$eval('[data-testid=zoom]', (el, v) => { el.value = String(v); el.dispatchEvent(new Event('input', { bubbles: true })); }, step);
      await frame(page, { slice: 3, zoom }, 'the bicubic view');
      // Only now the coordinate decoder: one decode of a small view (software WebGPU is slow).
      const t0 = Date.now();
      await page.selectOption('[data-testid=method]', 'coord');
      const f = await frame(page, { method: 'coord', slice: 3, zoom }, 'slice 3 at 1.366×');
      console.log(`# ${tier}: coord decode of ${f.width}×${f.height} took ${Date.now() - t0} ms (page says ${f.millis.toFixed(0)} ms)`);

      // The view settles: a finished decode changes the status text, which must not resize the
      // panes and start another decode (it once did, in a loop, when the line wrapped).
      await new Promise((ok) => setTimeout(ok, 1500));
      const settled = await page.textContent('[data-testid=status]');
      assert.doesNotMatch(settled, /decoding…/, `a decode started again by itself: ${settled}`);

      // The decoded image has the canvas's backing size.
      const canvas = await page.$eval('[data-testid=viewport]', (c) => ({ w: c.width, h: c.height, cw: c.clientWidth, ch: c.clientHeight, dpr: devicePixelRatio }));
      assert.equal(canvas.w, f.width);
      assert.equal(canvas.h, f.height);
      assert.equal(f.width, Math.round(canvas.cw * canvas.dpr));
      assert.equal(f.height, Math.round(canvas.ch * canvas.dpr));

      // Same pixels as the native engine for the same plane, view and weights (the axial plane,
      // oriented as the viewer draws it: this RAS volume's slice turned to radiological).
      const ref = path.join(tmp, 'ref.npy');
      execFileSync(coordsr, ['render', vol, '--plane', 'axial', '--slice', '3', '--method', 'coord', '--weights', WEIGHTS,
        '--width', String(f.width), '--height', String(f.height), '--center', `${f.centerX},${f.centerY}`,
        '--zoom', String(f.zoom), '-o', ref]);
      const native = readNpy(ref);
      assert.deepEqual(native.shape, [f.height, f.width]);
      let lo = Infinity, hi = -Infinity, worst = 0, shown = 0;
      for (let i = 0; i < native.data.length; i++) {
        const a = native.data[i], b = f.data[i];
        if (Number.isNaN(a) || b === null || Number.isNaN(b)) {
          assert.ok(Number.isNaN(a) && (b === null || Number.isNaN(b)), `background differs at ${i}`);
          continue;
        }
        lo = Math.min(lo, a); hi = Math.max(hi, a); shown++;
        worst = Math.max(worst, Math.abs(a - b));
      }
      assert.ok(shown > 1000, `only ${shown} pixels show the slice`);
      assert.ok(worst <= 1e-3 * (hi - lo), `max |browser − native| = ${worst} for range ${hi - lo}`);

      fs.mkdirSync(shots, { recursive: true });
      await page.screenshot({ path: path.join(shots, `viewer-${tier}.png`) });

      // Side by side with conv, in the simulated low-res mode (2×): both panes show the same view,
      // and every method gets PSNR / SSIM / VIF against the slice.
      await page.selectOption('[data-testid=compare]', 'conv');
      await page.selectOption('[data-testid=simulate]', '2');
      await page.waitForFunction(() => {
        const rows = [...document.querySelectorAll('[data-testid=metrics] tbody tr')];
        return rows.length === 4 && rows.every((r) => /^\d+\.\d+$/.test(r.querySelectorAll('td')[2]?.textContent ?? ''));
      }, null, { timeout: TIMEOUT, polling: 250 });
      const scores = await page.$$eval('[data-testid=metrics] tbody tr', (rows) => Object.fromEntries(rows.map((r) =>
        [r.dataset.method, [...r.querySelectorAll('td')].map((td) => Number(td.textContent))])));
      console.log(`# ${tier}: simulated 2× scores (PSNR, SSIM, VIF): ${JSON.stringify(scores)}`);
      for (const m of ['coord', 'conv', 'bicubic', 'nearest']) assert.ok(scores[m].every(Number.isFinite), m);
      assert.ok(scores.bicubic[0] > scores.nearest[0], 'bicubic beats nearest in PSNR');
      const panes = await page.waitForFunction(() => {
        const f = window.coordsrFrames;
        return f && f[0]?.simulate === 2 && f[1]?.simulate === 2 && f[1].method === 'conv' && f;
      }, null, { timeout: TIMEOUT, polling: 250 }).then((h) => h.evaluate((f) => f.map((x) => ({ w: x.width, h: x.height, z: x.zoom, c: [x.centerX, x.centerY] }))));
      assert.deepEqual(panes[0], panes[1], 'the panes are synced');
      await page.screenshot({ path: path.join(shots, `viewer-${tier}-simulate.png`) });

      // Data consistency: the learned methods are re-scored with their measured band replaced by
      // the input's (the engine's projection, in a worker); the classical ones are untouched.
      await page.check('[data-testid=dc]');
      await page.waitForFunction(() => {
        const rows = [...document.querySelectorAll('[data-testid=metrics] tbody tr')];
        return rows.length === 4 && rows.every((r) => /^\d+\.\d+$/.test(r.querySelectorAll('td')[2]?.textContent ?? ''))
          && /data consistency/.test(document.querySelector('[data-testid=metrics] tr[data-method=coord] th')?.textContent ?? '');
      }, null, { timeout: TIMEOUT, polling: 250 });
      const dcScores = await page.$$eval('[data-testid=metrics] tbody tr', (rows) => Object.fromEntries(rows.map((r) =>
        [r.dataset.method, [...r.querySelectorAll('td')].map((td) => Number(td.textContent))])));
      console.log(`# ${tier}: simulated 2× scores with data consistency: ${JSON.stringify(dcScores)}`);
      for (const m of ['coord', 'conv']) {
        assert.ok(dcScores[m].every(Number.isFinite), m);
        assert.notDeepEqual(dcScores[m], scores[m], `${m} changes with data consistency`);
      }
      for (const m of ['bicubic', 'nearest']) assert.deepEqual(dcScores[m], scores[m], `${m} is not projected`);
      assert.match(await page.textContent('[data-testid=metrics] tr[data-method=bicubic] th'), /^bicubic$/);
      await page.uncheck('[data-testid=dc]');
      await page.selectOption('[data-testid=simulate]', 'off');
      await page.selectOption('[data-testid=compare]', 'off');

      // A bad file: a clear message naming it, and the viewer keeps what it had.
      const bad = path.join(tmp, 'notes.nii');
      fs.writeFileSync(bad, 'this is not an image');
      await page.setInputFiles('[data-testid=file]', bad);
      await page.waitForSelector('[data-testid=error]:not([hidden])', { timeout: 30_000 });
      assert.match(await page.textContent('[data-testid=error]'), /notes\.nii/);
      assert.equal(await page.evaluate(() => window.coordsrFrame.slice), 3);

      if (!webgpu) {
        // The page thread only composes: on a fresh page with the 512² shoulder slice, no task
        // over 100 ms while a 1024² view at 2× is encoded (a new encoding) and decoded by the
        // workers.
        await page.goto(server.origin + '/?method=bicubic&layout=1');
        await frame(page, { method: 'bicubic', minWidth: 1 }, 'the sample, again');
        await page.setInputFiles('[data-testid=file]', path.join(root, 'static/sample/shoulder_512.nii.gz'));
        await page.waitForFunction(() => (document.querySelector('footer')?.textContent ?? '').includes('shoulder_512'), null, { timeout: TIMEOUT });
        const line = await page.textContent('[data-testid=status]');
        assert.match(line, /\d+ decoding workers/, line);
        const r = await page.evaluate(async () => {
          const long = [];
          const observer = new PerformanceObserver((list) => { for (const e of list.getEntries()) long.push(Math.round(e.duration)); });
          observer.observe({ type: 'longtask' });
          const res = await window.coordsrBench(1024, 2, 600000, true);
          await new Promise((ok) => setTimeout(ok, 100));
          observer.disconnect();
          return { long, millis: res.millis, done: res.done, pixels: res.pixels };
        });
        // The shoulder slice is a sagittal acquisition: its own plane fills the 1024² view at 2×.
        assert.equal(r.pixels, 1024 * 1024, `${r.pixels} pixels decoded`);
        console.log(`# cpu: 1024² at 2×, encoder included: ${r.millis.toFixed(0)} ms; page-thread tasks over 50 ms: ${JSON.stringify(r.long)}`);
        assert.equal(r.done, 1);
        assert.deepEqual(r.long.filter((d) => d > 100), [], `page-thread tasks over 100 ms: ${JSON.stringify(r.long)}`);
      }

      // Medical data stays local: every request went to our own origin.
      const foreign = requests.filter((u) => !u.startsWith(server.origin) && !u.startsWith('data:') && !u.startsWith('blob:'));
      assert.deepEqual(foreign, []);
    } finally {
      await browser.close();
      await server.close();
    }
  });
}
