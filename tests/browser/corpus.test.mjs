// The crafted-file corpus (tests/corpus/, issue 15) in the page, that is on wasm32, where a panic
// aborts the module (catch_unwind does not exist there): every image file is opened through the
// viewer's file input, read in a decoding worker, and must show a message naming the file and
// its problem; afterwards the app still works (a valid volume opens and decodes). What each file
// is and the text its error must contain come from tests/corpus/README.md, as in tests/corpus.rs.
// Weights files are left out: the page loads weights only from its own site, never from a file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serve, launch, writeTestNifti, root, shots } from './harness.mjs';

const CORPUS = path.join(root, 'tests/corpus');
const TIMEOUT = 600_000;

function expectations() {
  return fs.readFileSync(path.join(CORPUS, 'README.md'), 'utf8').split('\n')
    .filter((l) => l.startsWith('| `'))
    .map((l) => { const c = l.split('|').map((s) => s.trim().replace(/^`|`$/g, '')); return { file: c[1], expect: c[c.length - 2] }; })
    .filter((r) => !r.file.endsWith('.csrw'))
    .map((r) => ({ ...r, expect: WASM32[r.file] ?? r.expect }));
}

// Where a page's smaller limits (engine/src/io/mod.rs: MAX_VOXELS is 2²⁶ on wasm32, 2²⁸ natively)
// refuse a file by an earlier check than natively, with its own message naming the problem.
const WASM32 = {
  // 1024×1024×128 = 2²⁷ voxels: within the native limit (so the gzip bound refuses it there).
  'nifti-gz-2gib-claim.nii.gz': 'absurd dimensions (dims 1024×1024×128: 134217728 voxels, at most 67108864)',
};

test('crafted files: a message naming each, and the app still works (cpu)', { timeout: TIMEOUT }, async () => {
  const server = await serve();
  const browser = await launch(false);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'coordsr-corpus-'));
  try {
    const page = await browser.newPage({ viewport: { width: 640, height: 520 }, deviceScaleFactor: 1 });
    const logs = [];
    page.on('console', (m) => logs.push(m.text()));
    page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
    await page.goto(server.origin + '/?method=bicubic');
    await page.waitForFunction(() => !!window.coordsrFrame && window.coordsrFrame.width > 0, null, { timeout: TIMEOUT, polling: 250 });
    const rows = expectations();
    assert.ok(rows.length >= 15, `${rows.length} rows`);
    const failures = [];
    for (const { file, expect } of rows) {
      await page.setInputFiles('[data-testid=file]', path.join(CORPUS, file));
      const shown = await page.waitForFunction((name) => {
        const e = document.querySelector('[data-testid=error]');
        return e && !e.hidden && e.textContent.includes(name) && e.textContent;
      }, file, { timeout: 60_000, polling: 100 }).then((h) => h.jsonValue(), () => null);
      console.log(`# ${file}: ${shown}`);
      if (shown === null) failures.push(`${file}: no message naming it`);
      else if (!shown.includes(expect)) failures.push(`${file}: message does not say \`${expect}\`: ${shown}`);
    }
    assert.deepEqual(failures, [], `\n${failures.join('\n')}\nconsole:\n${logs.slice(-20).join('\n')}`);
    assert.ok(!logs.some((l) => /panicked|unreachable|RuntimeError/.test(l)), logs.filter((l) => /panicked|unreachable|RuntimeError/.test(l)).join('\n'));

    // The app still works: a valid volume opens, is read in a worker and decoded.
    const vol = path.join(tmp, 'after.nii');
    writeTestNifti(vol);
    await page.setInputFiles('[data-testid=file]', vol);
    await page.waitForFunction(() => window.coordsrFrame?.slice === 2 && window.coordsrFrame.width > 0, null, { timeout: TIMEOUT, polling: 250 });
    await page.screenshot({ path: path.join(shots, 'corpus-after.png') });
  } finally {
    await browser.close();
    await server.close();
  }
});
