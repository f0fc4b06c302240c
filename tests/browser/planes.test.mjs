// The three-plane viewer on volumes with crafted affines (RAS, LAS, LPS as DICOM readers give it, a
// sagittal acquisition, a 30° oblique one), on both tiers: the orientation labels of every plane,
// the readout (world = affine × voxel; the pixel under it is that voxel), the scale bar (mm per
// CSS pixel), the crosshair across planes, the keyboard map; and a thick-slice volume's coronal
// plane decoded by coord at display resolution, pixel for pixel against `coordsr render --plane`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { serve, launch, writeNifti, writeTestNifti, readNpy, coordsr, shots, root } from './harness.mjs';

const TIMEOUT = 600_000;
// A reformat across thick slices is decoded by the through-plane model (through_plane::coord_model_for).
const WEIGHTS = path.join(root, 'static/weights/coord-through.csrw');
const DIMS = [24, 20, 16];
const c30 = Math.cos(Math.PI / 6), s30 = Math.sin(Math.PI / 6);
// Each affine with the axis codes nibabel 5.4's aff2axcodes gives it (checked when this test was
// written): the direction each voxel index grows toward.
const VOLUMES = {
  ras: { affine: [[1, 0, 0, -12], [0, 1, 0, -10], [0, 0, 1.5, -8], [0, 0, 0, 1]], codes: 'RAS' },
  las: { affine: [[-1, 0, 0, 20], [0, 1, 0, -10], [0, 0, 1.5, 5], [0, 0, 0, 1]], codes: 'LAS' },
  lps: { affine: [[-0.8, 0, 0, 0], [0, -0.8, 0, 0], [0, 0, 2, 0], [0, 0, 0, 1]], codes: 'LPS' },
  sagittal: { affine: [[0, 0, 1.2, -30], [-1, 0, 0, 90], [0, -1, 0, 100], [0, 0, 0, 1]], codes: 'PIR' },
  oblique: { affine: [[1, 0, 0, 0], [0, c30, -2 * s30, 0], [0, s30, 2 * c30, 0], [0, 0, 0, 1]], codes: 'RAS', oblique: [true, true, false] },
};
const value = (x, y, k) => x + DIMS[0] * (y + DIMS[1] * k);
const PLANES = ['axial', 'coronal', 'sagittal'];
// What lies beyond each edge, radiological convention (top, bottom, left, right).
const LABELS = { axial: 'APRL', coronal: 'SIRL', sagittal: 'SIAP' };
const DIR = { R: [1, 0, 0], L: [-1, 0, 0], A: [0, 1, 0], P: [0, -1, 0], S: [0, 0, 1], I: [0, 0, -1] };
const dot = (a, b) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const sub = (a, b) => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const norm = (a) => Math.sqrt(dot(a, a));
const world = (A, v) => [0, 1, 2].map((r) => A[r][0] * v[0] + A[r][1] * v[1] + A[r][2] * v[2] + A[r][3]);

const overlay = (page, i, x, y) => page.evaluate(([i, x, y]) => window.coordsrOverlay(i, x, y), [i, x, y]);

/** Every pane's nearest frame of the file opened, with its plane. */
async function frames(page, n) {
  await page.waitForFunction((n) => {
    const f = window.coordsrFrames;
    return f && [...Array(n).keys()].every((i) => f[i] && f[i].method === 'nearest' && f[i].width > 0 && window.coordsrOverlay(i));
  }, n, { timeout: TIMEOUT, polling: 250 });
  return page.evaluate((n) => [...Array(n).keys()].map((i) => { const f = window.coordsrFrames[i]; return { ...f, data: Array.from(f.data) }; }), n);
}

/** The checks of one pane: labels, readout against the affine and the pixels, scale bar. */
async function checkPane(page, i, name, vol, frame, convention) {
  const o = await overlay(page, i);
  assert.equal(o.plane, name);
  const want = LABELS[name];
  const lr = convention === 'neurological' && name !== 'sagittal' ? { left: 'L', right: 'R' } : { left: want[2], right: want[3] };
  assert.deepEqual(o.labels, { top: want[0], bottom: want[1], ...lr }, `${name} labels`);
  assert.equal(o.oblique, vol.oblique ? vol.oblique[PLANES.indexOf(name)] : false, `${name} oblique`);
  const [w, h] = o.size;
  let inside = 0;
  for (const [fx, fy] of [[0.3, 0.3], [0.5, 0.5], [0.62, 0.41], [0.7, 0.66]]) {
    const [x, y] = [Math.round(fx * w) + 0.5, Math.round(fy * h) + 0.5];
    const r = (await overlay(page, i, x, y)).readout;
    if (!r) continue;
    inside++;
    // World = affine × voxel.
    const wv = world(vol.affine, r.voxel);
    assert.ok(norm(sub(wv, r.world)) < 1e-6, `${name}: world ${r.world} vs affine × ${r.voxel} = ${wv}`);
    // The pixel under the point is the voxel the readout names (nearest: stored values).
    const n = r.voxel.map(Math.round);
    const px = frame.data[Math.floor(y) * frame.width + Math.floor(x)];
    assert.equal(px, value(...n), `${name}: pixel at (${x}, ${y}) vs voxel ${n}`);
    assert.equal(r.value, value(...n));
    assert.equal(r.synthesised, null, 'nearest shows acquired voxels');
    // One step right goes toward the right label, one step down toward the bottom label, and
    // both steps cover the scale bar's millimetres per pixel (the plane at its true aspect).
    const right = (await overlay(page, i, x + 4, y)).readout, down = (await overlay(page, i, x, y + 4)).readout;
    if (!right || !down) continue;
    const dr = sub(right.world, r.world), dd = sub(down.world, r.world);
    assert.ok(dot(dr, DIR[o.labels.right]) > 0.5 * norm(dr), `${name}: right is ${o.labels.right}: ${dr}`);
    assert.ok(dot(dd, DIR[o.labels.bottom]) > 0.5 * norm(dd), `${name}: down is ${o.labels.bottom}: ${dd}`);
    const mmPerPx = o.scaleBar.mm / o.scaleBar.px;
    assert.ok(Math.abs(norm(dr) / 4 - mmPerPx) < 1e-6 * mmPerPx, `${name}: ${norm(dr) / 4} mm/px across vs bar ${mmPerPx}`);
    assert.ok(Math.abs(norm(dd) / 4 - mmPerPx) < 1e-6 * mmPerPx, `${name}: ${norm(dd) / 4} mm/px down vs bar ${mmPerPx}`);
    // The voxel axis the screen's x runs along moves as nibabel's axis codes say.
    const axis = [0, 1, 2].find((a) => Math.abs(right.voxel[a] - r.voxel[a]) > 1e-9);
    const grows = right.voxel[axis] > r.voxel[axis];
    assert.equal(grows ? vol.codes[axis] : { R: 'L', L: 'R', A: 'P', P: 'A', S: 'I', I: 'S' }[vol.codes[axis]], o.labels.right,
      `${name}: voxel axis ${axis} (${vol.codes[axis]}) runs ${grows ? 'up' : 'down'} to the right`);
  }
  assert.ok(inside >= 2, `${name}: only ${inside} readouts inside the volume`);
  assert.equal((await overlay(page, i, -5, -5)).readout, null, 'outside the pane: no readout');
  return o;
}

const tiers = process.env.COORDSR_TIERS ? process.env.COORDSR_TIERS.split(',') : ['webgpu', 'cpu'];
for (const webgpu of tiers.map((t) => t === 'webgpu')) {
  const tier = webgpu ? 'webgpu' : 'cpu';
  test(`three planes (${tier})`, { timeout: TIMEOUT }, async () => {
    const server = await serve();
    const browser = await launch(webgpu);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `coordsr-planes-${tier}-`));
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 640 }, deviceScaleFactor: 1 });
      const requests = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(`${server.origin}/?method=nearest${webgpu ? '&backend=webgpu' : ''}#/viewer`);
      await page.waitForSelector('[data-testid=page-viewer]');
      // The demo opens on the three-plane layout of the bundled sample (4 mm axial slices).
      const sample = await frames(page, 3);
      assert.deepEqual(sample.map((f) => f.plane), PLANES);
      fs.mkdirSync(shots, { recursive: true });
      await page.screenshot({ path: path.join(shots, `planes-sample-${tier}.png`) });

      for (const [key, vol] of Object.entries(VOLUMES)) {
        const file = path.join(tmp, `${key}.nii`);
        writeNifti(file, DIMS, vol.affine.slice(0, 3), value);
        await page.setInputFiles('[data-testid=file]', file);
        await page.waitForFunction((n) => (document.querySelector('footer')?.textContent ?? '').includes(n), `${key}.nii`, { timeout: TIMEOUT });
        const f = await frames(page, 3);
        assert.ok(f.every((x) => x.data.length === x.width * x.height));
        console.log(`# ${tier} ${key}: planes ${f.map((x) => `${x.plane} ${x.width}×${x.height} aspect ${x.aspect.toFixed(2)}`).join(', ')}`);
        for (let i = 0; i < 3; i++) await checkPane(page, i, PLANES[i], vol, f[i], 'radiological');
        await page.screenshot({ path: path.join(shots, `planes-${key}-${tier}.png`) });
      }

      // Neurological (N): the patient's right on the screen's right, pixels and labels alike.
      await page.focus('.app');
      await page.keyboard.press('n');
      await page.waitForFunction(() => window.coordsrOverlay(0)?.convention === 'neurological');
      // The frames are redrawn for the new orientation before they are checked.
      await page.waitForFunction(() => window.coordsrFrames[0].width > 0 && window.coordsrOverlay(0).labels.right === 'R');
      const fn = await frames(page, 3);
      for (let i = 0; i < 3; i++) await checkPane(page, i, PLANES[i], VOLUMES.oblique, fn[i], 'neurological');
      await page.keyboard.press('n');

      // The crosshair: a click on the coronal pane puts it there; the axial and sagittal planes
      // move to it and every pane draws the same 3D point.
      const c = await overlay(page, 1);
      const [cx, cy] = [c.size[0] * 0.4, c.size[1] * 0.6];
      const at = (await overlay(page, 1, cx, cy)).readout;
      const box = await page.$eval('[data-testid=viewport-1]', (el) => { const r = el.getBoundingClientRect(); return [r.left, r.top]; });
      await page.mouse.click(box[0] + cx, box[1] + cy);
      await page.waitForFunction((v) => { const o = window.coordsrOverlay(0); return o && Math.abs(o.crosshair.voxel[0] - v[0]) < 1e-3; }, at.voxel);
      for (let i = 0; i < 3; i++) {
        const o = await overlay(page, i);
        assert.ok(norm(sub(o.crosshair.voxel, at.voxel)) < 1e-3, `pane ${i} crosshair ${o.crosshair.voxel} vs ${at.voxel}`);
        assert.ok(norm(sub(o.crosshair.world, world(VOLUMES.oblique.affine, o.crosshair.voxel))) < 1e-6);
        // Drawn where it is: the readout under the crosshair's lines is its voxel (in-plane).
        const r = (await overlay(page, i, ...o.crosshair.at)).readout;
        const fixed = [0, 1, 2].find((a) => Math.abs(r.voxel[a] - Math.round(r.voxel[a])) < 1e-9 && Math.abs(o.crosshair.voxel[a] - r.voxel[a]) > 1e-6);
        assert.ok([0, 1, 2].every((a) => a === fixed || Math.abs(r.voxel[a] - o.crosshair.voxel[a]) < 1e-6), `pane ${i}: ${r.voxel} under the crosshair ${o.crosshair.voxel}`);
      }
      // The oblique volume's axial planes hold its k fixed, its sagittal planes its x.
      await page.waitForFunction((v) => window.coordsrFrames[0].slice === Math.round(v[2]) && window.coordsrFrames[2].slice === Math.round(v[0]),
        at.voxel, { timeout: TIMEOUT });

      // The keyboard map as the help lists it: V cycles the active plane, ↓ steps it, L the
      // layout, C the crosshair.
      assert.equal(await page.$eval('[data-testid=plane]', (s) => s.value), 'coronal', 'a click makes its plane active');
      await page.keyboard.press('v');
      assert.equal(await page.$eval('[data-testid=plane]', (s) => s.value), 'sagittal');
      const before = (await overlay(page, 2)).crosshair.voxel[0];
      await page.keyboard.press('ArrowDown');
      await page.waitForFunction((b) => window.coordsrOverlay(2).crosshair.voxel[0] === Math.round(b) + 1, before);
      await page.keyboard.press('c');
      await page.waitForFunction(() => document.querySelectorAll('.crosshair').length === 0);
      await page.keyboard.press('c');
      await page.keyboard.press('l');
      await page.waitForFunction(() => !window.coordsrOverlay(2) && window.coordsrOverlay(0)?.plane === 'sagittal');
      await page.keyboard.press('?');
      assert.match(await page.textContent('[data-testid=help]'), /radiological ↔ neurological/);
      await page.keyboard.press('Escape');
      await page.keyboard.press('l');
      await page.waitForFunction(() => window.coordsrOverlay(2)?.plane === 'sagittal');

      // Save PNG (S, or the button): the active pane with its labels and provenance burned in,
      // a strip taller than the pane, named after the plane.
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=save-png]')]);
      assert.match(download.suggestedFilename(), /^coordsr-sagittal-\d+\.png$/);
      const png = fs.readFileSync(await download.path());
      assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
      const canvas = await page.$eval('[data-testid=viewport-2]', (c) => [c.width, c.height]);
      assert.equal(png.readUInt32BE(16), canvas[0]);
      assert.ok(png.readUInt32BE(20) > canvas[1], 'the provenance strip is below the image');

      // Touch: two fingers moving apart zoom about their midpoint (pinch). First the axial plane
      // (V: sagittal → axial) zoomed out (−) well below the zoom range's top.
      await page.focus('.app');
      await page.keyboard.press('v');
      for (let i = 0; i < 4; i++) await page.keyboard.press('-');
      await page.waitForFunction(() => window.coordsrOverlay(0)?.provenance.startsWith('nearest · 6.'));
      const before2 = await overlay(page, 0);
      await page.evaluate(() => {
        const c = document.querySelector('[data-testid=viewport]');
        const r = c.getBoundingClientRect();
        const ev = (type, id, x, y) => c.dispatchEvent(new PointerEvent(type, { pointerId: id, pointerType: 'touch', isPrimary: id === 11,
          clientX: r.left + x, clientY: r.top + y, bubbles: true }));
        ev('pointerdown', 11, 150, 200); ev('pointerdown', 12, 250, 200);
        ev('pointermove', 12, 350, 200);
        ev('pointerup', 11, 150, 200); ev('pointerup', 12, 350, 200);
      });
      await page.waitForFunction((b) => { const o = window.coordsrOverlay(0); return o && o.scaleBar.mm / o.scaleBar.px < 0.75 * b; }, before2.scaleBar.mm / before2.scaleBar.px);
      const after2 = await overlay(page, 0);
      const ratio = (before2.scaleBar.mm / before2.scaleBar.px) / (after2.scaleBar.mm / after2.scaleBar.px);
      assert.ok(Math.abs(ratio - 2) < 1e-6, `a pinch from 100 to 200 px apart zooms 2×, got ${ratio}`);

      // A thick-slice volume (2 mm slices of 1 mm pixels): its coronal plane at its true aspect,
      // decoded by coord at the displayed resolution in both axes, equals the native render.
      const thick = path.join(tmp, 'thick.nii');
      writeTestNifti(thick, 96, 80, 24);
      await page.goto(`${server.origin}/?method=bicubic&layout=1&plane=coronal${webgpu ? '&backend=webgpu' : ''}#/viewer`);
      await page.waitForFunction(() => window.coordsrFrame?.method === 'bicubic', null, { timeout: TIMEOUT, polling: 250 });
      await page.setInputFiles('[data-testid=file]', thick);
      await page.waitForFunction(() => window.coordsrFrame?.plane === 'coronal' && window.coordsrFrame.aspect === 2, null, { timeout: TIMEOUT, polling: 250 });
      if (webgpu) {
        // One image pixel per screen pixel across (2 down): a small decode for SwiftShader.
        await page.focus('.app');
        await page.keyboard.press('1');
        await page.waitForFunction(() => window.coordsrFrame?.zoom === 1, null, { timeout: TIMEOUT, polling: 250 });
      }
      await page.selectOption('[data-testid=method]', 'coord');
      await page.waitForFunction(() => window.coordsrFrame?.method === 'coord' && window.coordsrFrame.plane === 'coronal', null, { timeout: TIMEOUT, polling: 250 });
      const fr = await page.evaluate(() => { const f = window.coordsrFrame; return { ...f, data: Array.from(f.data) }; });
      const ref = path.join(tmp, 'coronal.npy');
      execFileSync(coordsr, ['render', thick, '--plane', 'coronal', '--slice', String(fr.slice), '--method', 'coord', '--weights', WEIGHTS,
        '--width', String(fr.width), '--height', String(fr.height), '--center', `${fr.centerX},${fr.centerY}`, '--zoom', String(fr.zoom), '-o', ref]);
      const native = readNpy(ref);
      let lo = Infinity, hi = -Infinity, worst = 0, shown = 0;
      for (let i = 0; i < native.data.length; i++) {
        const a = native.data[i], b = fr.data[i];
        if (Number.isNaN(a) || b === null || Number.isNaN(b)) {
          assert.ok(Number.isNaN(a) && (b === null || Number.isNaN(b)), `background differs at ${i}`);
          continue;
        }
        lo = Math.min(lo, a); hi = Math.max(hi, a); shown++;
        worst = Math.max(worst, Math.abs(a - b));
      }
      console.log(`# ${tier}: coronal of 2 mm slices, ${fr.width}×${fr.height} at ${fr.zoom.toFixed(3)}× across, ${(fr.zoom * fr.aspect).toFixed(3)}× down: max |browser − native| ${worst}`);
      assert.ok(shown > 1000, `only ${shown} pixels show the plane`);
      assert.ok(worst <= 1e-3 * (hi - lo), `max |browser − native| = ${worst} for range ${hi - lo}`);
      const o = await overlay(page, 0, fr.width / 2, fr.height / 2);
      assert.ok(o.readout.synthesised !== null, 'coord pixels are marked synthesised');
      assert.match(o.provenance, /^coord \(any scale\), through-plane model · [\d.]+× across, [\d.]+× down · synthesised$/);
      await page.screenshot({ path: path.join(shots, `planes-coronal-thick-${tier}.png`) });

      const foreign = requests.filter((u) => !u.startsWith(server.origin) && !u.startsWith('data:') && !u.startsWith('blob:'));
      assert.deepEqual(foreign, []);
    } finally {
      await browser.close();
      await server.close();
    }
  });
}
