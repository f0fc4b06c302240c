// A reformatted plane against the acquired one, on the CPU tier: the 1024² coord decode of the
// bundled 4 mm brain's axial plane (in-plane model, square pixels) and of its coronal and sagittal
// planes (through-plane model, pixels 4× taller than wide), each on a fresh encoding (the encoder
// included), with the page's long tasks; beside them, as the peer on the same machine and run,
// the 512² shoulder slice the earlier viewer figures used. Alternating rounds, so drift hits
// every row alike.
// Writes target/bench-planes.md. Usage: node bench-planes.mjs [rounds] [zoom]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serve, launch, root } from './harness.mjs';

const ROUNDS = Number(process.argv[2] ?? 3);
const ZOOM = Number(process.argv[3] ?? 4);
const PLANES = ['axial', 'coronal', 'sagittal', 'shoulder'];
const server = await serve();
const browser = await launch(false);
const rows = Object.fromEntries(PLANES.map((p) => [p, []]));
try {
  for (let r = 0; r < ROUNDS; r++) {
    for (const plane of PLANES) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
      const shoulder = plane === 'shoulder';
      await page.goto(`${server.origin}/?backend=cpu&method=bicubic&layout=1&plane=${shoulder ? 'axial' : plane}#/viewer`);
      await page.waitForFunction((p) => window.coordsrFrame?.method === 'bicubic' && window.coordsrFrame.plane === p, shoulder ? 'axial' : plane, { timeout: 300_000, polling: 50 });
      if (shoulder) {
        // A sagittal acquisition: it opens in its own plane.
        await page.setInputFiles('[data-testid=file]', path.join(root, 'static/sample/shoulder_512.nii.gz'));
        await page.waitForFunction(() => window.coordsrFrame?.plane === 'sagittal' && window.coordsrFrame.width > 0, null, { timeout: 300_000, polling: 50 });
      }
      const res = await page.evaluate(async (zoom) => {
        const long = [];
        const observer = new PerformanceObserver((list) => { for (const e of list.getEntries()) long.push(Math.round(e.duration)); });
        observer.observe({ type: 'longtask' });
        const b = await window.coordsrBench(1024, zoom, 600000, true);
        await new Promise((ok) => setTimeout(ok, 100));
        observer.disconnect();
        return { millis: b.millis, done: b.done, pixels: b.pixels, long };
      }, ZOOM);
      console.log(`${plane} round ${r + 1}: ${res.millis.toFixed(0)} ms for ${res.pixels} pixels (done ${res.done}), page tasks over 50 ms: ${JSON.stringify(res.long)}`);
      rows[plane].push(res);
      await page.close();
    }
  }
} finally {
  await browser.close();
  await server.close();
}
const fmt = (v) => v.map((x) => (x.millis / 1000).toFixed(1)).join(', ');
const md = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus()[0].model} × ${os.cpus().length}, headless Debian Chromium, CPU tier, by \`tests/browser/bench-planes.mjs ${ROUNDS} ${ZOOM}\`: a 1024² coord decode at ${ZOOM}× across, on a fresh encoding (encoder included), rounds alternating; the bundled sample (197×233×47, 1×1×4 mm) and the 512² shoulder slice.`,
  '',
  '| plane | model | pixel aspect | pixels decoded | seconds per round | longest page task (ms) |',
  '|---|---|---|---|---|---|',
  ...PLANES.map((p) => `| ${p === 'shoulder' ? 'shoulder 512² (sagittal, acquired)' : `brain ${p}${p === 'axial' ? ' (acquired)' : ' (reformat)'}`} | ${p === 'coronal' || p === 'sagittal' ? 'coord-through' : 'coord (in-plane)'} | ${p === 'coronal' || p === 'sagittal' ? '4' : '1'} | ${rows[p][0]?.pixels} | ${fmt(rows[p])} | ${Math.max(0, ...rows[p].flatMap((x) => x.long))} |`),
  '',
];
fs.mkdirSync(path.join(root, 'target'), { recursive: true });
fs.writeFileSync(path.join(root, 'target/bench-planes.md'), md.join('\n'));
console.log(md.join('\n'));
