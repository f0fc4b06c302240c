// The viewer's benchmark: wasm size, time to the first frame after load, and the coord decode
// time for 256², 512² and 1024² views at 1.5×, 2×, 3× and 4×, on WebGPU and on the CPU fallback,
// in headless Chromium. Writes target/bench-web.json and prints a Markdown table for
// BENCHMARKS.md. A decode that passes its budget stops at its next tile and is reported with
// the fraction it finished (software WebGPU is slow). Usage: node bench.mjs [budget-seconds]
// (environment: BENCH_TIERS, BENCH_SIZES)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { serve, launch, dist, root } from './harness.mjs';

const BUDGET_MS = 1000 * Number(process.argv[2] ?? 60);
// BENCH_TIERS=cpu or BENCH_SIZES=256 narrow the run (software WebGPU takes minutes per tile).
const TIERS = (process.env.BENCH_TIERS ?? 'webgpu,cpu').split(',');
const SIZES = (process.env.BENCH_SIZES ?? '256,512,1024').split(',').filter((x) => x).map(Number);
const SCALES = [1.5, 2, 3, 4];

// The page's module (the page and its CPU workers) and the WebGPU tier's worker module.
const wasm = fs.readFileSync(path.join(dist, 'coordsr-app_bg.wasm'));
const gpuWasm = fs.readFileSync(path.join(dist, 'coordsr-gpu_bg.wasm'));
const report = {
  date: new Date().toISOString(),
  cpu: `${os.cpus()[0].model} × ${os.cpus().length}`,
  wasmBytes: wasm.length,
  wasmGzipBytes: zlib.gzipSync(wasm, { level: 9 }).length,
  gpuWasmBytes: gpuWasm.length,
  gpuWasmGzipBytes: zlib.gzipSync(gpuWasm, { level: 9 }).length,
  budgetMs: BUDGET_MS,
  tiers: [],
};

async function waitFrame(page, pred, timeout) {
  // `pred` is the method the frame must show (a function, not a string: the CSP forbids eval).
  await page.waitForFunction((m) => window.coordsrFrame?.method === m, pred, { timeout, polling: 50 });
}

const server = await serve();
try {
  for (const webgpu of TIERS.map((t) => t === 'webgpu')) {
    const tier = { tier: webgpu ? 'webgpu' : 'cpu', decodes: [] };
    const query = webgpu ? '?backend=webgpu' : '?backend=cpu';
    const withMethod = (m) => server.origin + '/' + (query ? query + '&' : '?') + `method=${m}`;
    // A fresh browser per phase: work queued on software WebGPU outlives a closed page.
    const phase = async (fn) => {
      const browser = await launch(webgpu);
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
        return await fn(page);
      } finally {
        await browser.close();
      }
    };
    // The home page: first contentful paint, and interactive = model and sample loaded (the
    // progress indicator gone), from navigation start.
    await phase(async (page) => {
      await page.goto(server.origin + '/' + query + '#/');
      await page.waitForSelector('[data-testid=page-home]', { timeout: 300_000 });
      await page.waitForFunction(() => document.querySelector('[data-testid=home-progress]')?.hidden, null, { timeout: 300_000, polling: 20 });
      const t = await page.evaluate(() => {
        const paints = performance.getEntriesByType('paint');
        const p = paints.find((e) => e.name === 'first-contentful-paint') ?? paints.find((e) => e.name === 'first-paint');
        return { fcp: p ? p.startTime : null, now: performance.now() };
      });
      tier.homeFirstPaintMs = t.fcp;
      tier.homeInteractiveMs = t.now;
      // The home page's first coord frame (its strip), from navigation start.
      await waitFrame(page, 'coord', BUDGET_MS * 3);
      tier.homeFirstCoordMs = await page.evaluate(() => performance.now());
      tier.homeFirstCoordSize = await page.evaluate(() => `${window.coordsrFrame.width}×${window.coordsrFrame.height}`);
    });
    // First image: the bundled scan shown (bicubic), from navigation start.
    await phase(async (page) => {
      const t0 = Date.now();
      await page.goto(withMethod('bicubic'));
      await waitFrame(page, 'bicubic', 300_000);
      tier.firstImageMs = Date.now() - t0;
      const line = await page.evaluate(() => document.querySelector('[data-testid=status]').textContent);
      const workers = /(\d+) decoding workers/.exec(line);
      tier.backend = line.split(' · ')[0] + (workers ? `, ${workers[1]} decoding workers` : '');
    });
    // First coord frame at the default page size, from navigation start.
    await phase(async (page) => {
      const t0 = Date.now();
      await page.goto(server.origin + '/' + query + '#/viewer');
      try {
        await waitFrame(page, 'coord', BUDGET_MS * 3);
        tier.firstCoordFrameMs = Date.now() - t0;
        tier.firstCoordFrameSize = await page.evaluate(() => `${window.coordsrFrame.width}×${window.coordsrFrame.height}`);
      } catch {
        tier.firstCoordFrameMs = null;
      }
    });
    // Decodes through window.coordsrBench, on a page showing bicubic so nothing else runs, of
    // the 512² shoulder slice (the figures before the brain volume became the sample are of it).
    await phase(async (page) => {
      await page.goto(withMethod('bicubic'));
      await waitFrame(page, 'bicubic', 300_000);
      await page.setInputFiles('[data-testid=file]', path.join(root, 'static/sample/shoulder_512.nii.gz'));
      await page.waitForFunction(() => (document.querySelector('footer')?.textContent ?? '').includes('shoulder_512'), null, { timeout: 300_000 });
      // Encoder + a 256² decode on a fresh encoding, then every view on the cached encoding.
      const first = await page.evaluate(([b]) => window.coordsrBench(256, 2, b, true), [BUDGET_MS]);
      tier.encodePlus256 = { millis: first.millis, done: first.done };
      console.error(`${tier.tier} encoder + 256² at 2×: ${first.millis.toFixed(0)} ms`);
      // A cold zoom: 1024² at 4× of the 512² slice on a new encoding (only the blocks it shows).
      const cold = await page.evaluate(([b]) => window.coordsrBench(1024, 4, b, true), [BUDGET_MS]);
      tier.cold1024at4 = { millis: cold.millis, done: cold.done };
      console.error(`${tier.tier} cold 1024² at 4×: ${cold.millis.toFixed(0)} ms`);
      // Warm the cached encoding the timed views below share (not timed): a 512² view at 1×
      // shows the whole slice, so every block is encoded once.
      await page.evaluate(([b]) => window.coordsrBench(512, 1, b, false), [BUDGET_MS]);
      for (const size of SIZES) {
        for (const scale of SCALES) {
          const r = await page.evaluate(([s, z, b]) => window.coordsrBench(s, z, b, false), [size, scale, BUDGET_MS]);
          tier.decodes.push({ size, scale, millis: r.millis, done: r.done });
          console.error(`${tier.tier} ${size}² at ${scale}×: ${r.millis.toFixed(0)} ms${r.done < 1 ? ` (stopped at ${(100 * r.done).toFixed(0)} %)` : ''}`);
        }
      }
    });
    report.tiers.push(tier);
  }
} finally {
  await server.close();
}

fs.mkdirSync(path.join(root, 'target'), { recursive: true });
fs.writeFileSync(path.join(root, 'target/bench-web.json'), JSON.stringify(report, null, 2));

const fmt = (d) => d.done >= 1 ? `${(d.millis / 1000).toFixed(2)} s` : d.done > 0
  ? `> ${(d.millis / 1000).toFixed(0)} s (${(100 * d.done).toFixed(0)} % done; ≈ ${(d.millis / d.done / 1000).toFixed(0)} s extrapolated)`
  : `> ${(d.millis / 1000).toFixed(0)} s (first tile unfinished)`;
const lines = [
  `Measured ${report.date.slice(0, 10)} on ${report.cpu}, headless Debian Chromium, by \`scripts/bench-web.sh\`.`,
  '',
  `wasm: the page and its CPU workers ${(report.wasmBytes / 1e6).toFixed(1)} MB (${(report.wasmGzipBytes / 1e6).toFixed(1)} MB gzipped); the WebGPU tier's worker, loaded only on that tier, ${(report.gpuWasmBytes / 1e6).toFixed(1)} MB (${(report.gpuWasmGzipBytes / 1e6).toFixed(1)} MB gzipped).`,
  '',
  '| tier | backend | home: first paint | home: interactive (model and sample loaded) | home: first coord frame | viewer: first image (bicubic) | viewer: first coord frame (1280×800 page) | encoder (512² slice) + 256² decode | 1024² at 4×, cold (encoder included) |',
  '|---|---|---|---|---|---|---|---|---|',
  ...report.tiers.map((t) => `| ${t.tier} | ${t.backend} | ${t.homeFirstPaintMs == null ? 'not reported' : `${(t.homeFirstPaintMs / 1000).toFixed(2)} s`} | ${(t.homeInteractiveMs / 1000).toFixed(1)} s | ${(t.homeFirstCoordMs / 1000).toFixed(1)} s (${t.homeFirstCoordSize}) | ${(t.firstImageMs / 1000).toFixed(1)} s | ${t.firstCoordFrameMs == null ? `> ${(3 * BUDGET_MS / 1000).toFixed(0)} s` : `${(t.firstCoordFrameMs / 1000).toFixed(1)} s (${t.firstCoordFrameSize})`} | ${fmt(t.encodePlus256)} | ${fmt(t.cold1024at4)} |`),
  '',
  'Coord decode of a view on the cached encoding (the viewer encodes once per slice), by view size and zoom:',
  '',
  `| tier | view | ${SCALES.map((s) => `${s}×`).join(' | ')} |`,
  `|---|---|${SCALES.map(() => '---').join('|')}|`,
];
for (const t of report.tiers) {
  for (const size of SIZES) {
    lines.push(`| ${t.tier} | ${size}² | ${SCALES.map((s) => fmt(t.decodes.find((d) => d.size === size && d.scale === s))).join(' | ')} |`);
  }
}
console.log(lines.join('\n'));
