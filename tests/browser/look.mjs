// Look at the viewer in a given state (dev tool): node look.mjs '<query>' out.png [webgpu] [seconds]
// Prints the status line and metrics every 5 s, then saves a 1280×800 screenshot.
import { serve, launch } from './harness.mjs';
const server = await serve();
const browser = await launch(process.argv[4] === 'webgpu');
const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
page.on('console', (m) => console.log('console:', m.type(), m.text().slice(0, 400)));
page.on('pageerror', (e) => console.log('pageerror:', e.message));
const t0 = Date.now();
await page.goto(server.origin + '/' + (process.argv[2] ?? ''));
const secs = Number(process.argv[5] ?? 60);
for (let i = 0; i < secs / 5; i++) {
  await new Promise((r) => setTimeout(r, 5000));
  const s = await page.evaluate(() => [document.querySelector('[data-testid=status]')?.textContent, document.querySelector('[data-testid=metrics]')?.textContent]);
  console.log(((Date.now() - t0) / 1000).toFixed(0), 's', JSON.stringify(s));
}
await page.screenshot({ path: process.argv[3] ?? '/tmp/dbg/shot.png' });
await browser.close(); await server.close();
