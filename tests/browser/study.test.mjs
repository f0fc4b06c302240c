// The reader study end to end (CPU fallback): two readers complete the demo study with the
// keyboard, one reloads mid-case without losing a score, method names stay hidden until the end,
// exports are downloaded and re-read by `coordsr study summarize`, and the page's summary over
// both readers matches the CLI's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { serve, launch, coordsr, shots, root } from './harness.mjs';

const STUDY = 'static/study/demo.json';
const def = JSON.parse(fs.readFileSync(path.join(root, STUDY), 'utf8'));
const QUESTIONS = 3; // the demo uses the default questions

async function caseNumber(page) {
  const t = await page.textContent('[data-testid=case-number]');
  return Number(t.match(/case (\d+) of/)[1]);
}

/** Wait until both sides show their final images: the questions open then. */
async function ready(page) {
  await page.waitForFunction(() => document.querySelector('[data-testid=preparing]')?.hidden === true, null, { polling: 50 });
}

/** Score the current case with `keys` (one per question), then Enter. */
async function answer(page, keys) {
  await ready(page);
  for (const k of keys) await page.keyboard.press(k);
  await page.keyboard.press('Enter');
}

async function readAll(page, reader, scores) {
  await page.fill('[data-testid=reader-id]', reader);
  await page.click('[data-testid=start]');
  await page.waitForSelector('[data-testid=questions]');
  for (let i = 0; i < def.cases.length; i++) {
    assert.equal(await caseNumber(page), i + 1);
    await answer(page, scores(i));
  }
  await page.waitForSelector('[data-testid=complete]');
}

async function download(page, testid, dir) {
  const [d] = await Promise.all([page.waitForEvent('download'), page.click(`[data-testid=${testid}]`)]);
  const file = path.join(dir, d.suggestedFilename());
  await d.saveAs(file);
  return file;
}

test('reader study', { timeout: 600_000 }, async () => {
  const server = await serve();
  const browser = await launch(false);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'coordsr-study-'));
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, acceptDownloads: true });
    const requests = [];
    context.on('request', (r) => requests.push(r.url()));
    // The CPU fallback encodes each 512² slice on the page's thread (seconds, more on a busy
    // machine): clicks wait for it.
    context.setDefaultTimeout(300_000);
    const page = await context.newPage();
    const url = `${server.origin}/?backend=cpu&study=${STUDY}`;
    await page.goto(url);
    await page.waitForSelector('[data-testid=reader-id]');
    assert.match(await page.textContent('[data-testid=study-title]'), new RegExp(def.title));

    // Reader 1: three cases, then one score of the fourth, then the tab is reloaded.
    await page.fill('[data-testid=reader-id]', 'reader-1');
    await page.click('[data-testid=start]');
    await page.waitForSelector('[data-testid=questions]');
    // Blinded: panes are "left" and "right"; no method name in the controls or the status line.
    assert.equal(await page.textContent('[data-testid=pane-label-0]'), 'left');
    assert.equal(await page.textContent('[data-testid=pane-label-1]'), 'right');
    assert.equal(await page.$('[data-testid=method]'), null);
    // Nothing is scorable, and nothing is said per side, before both sides are final: the
    // coord side decodes per view while conv is often cached, so which side finishes first (or
    // how far along it is) would tell which method it is.
    const preparing = await page.evaluate(() => ({
      note: !document.querySelector('[data-testid=preparing]').hidden,
      disabled: [...document.querySelectorAll('.likert')].every((b) => b.disabled),
      status: document.querySelector('[data-testid=status]').textContent,
    }));
    assert.ok(preparing.note && preparing.disabled, `case 1 scorable while preparing: ${JSON.stringify(preparing)}`);
    assert.match(preparing.status, /preparing both sides/);
    assert.doesNotMatch(preparing.status, /left|right|decoding…|decoded in|%/);
    await page.keyboard.press('5');
    assert.equal(await page.$('.likert.chosen'), null, 'a key scored a case still being prepared');
    const statuses = new Set();
    const watch = setInterval(() => page.textContent('[data-testid=status]').then((t) => statuses.add(t), () => {}), 50);
    await ready(page);
    clearInterval(watch);
    for (const t of statuses) assert.doesNotMatch(t, /coord|conv|left|right|decoding…|decoded in|%/, t);
    // Both sides appear together.
    const shown = await page.evaluate(() => window.coordsrFrames.map((f) => f.shownAt));
    assert.equal(shown.length, 2);
    assert.ok(Math.abs(shown[0] - shown[1]) < 50, `sides shown ${Math.abs(shown[0] - shown[1]).toFixed(0)} ms apart`);
    assert.match(await page.textContent('[data-testid=status]'), /both sides ready/);
    const r1 = (i) => [['5', '4', '3'], ['1', '2', '3'], ['4', '4', '5']][i % 3];
    for (let i = 0; i < 3; i++) await answer(page, r1(i));
    assert.equal(await caseNumber(page), 4);
    await ready(page);
    await page.keyboard.press('2');
    await page.screenshot({ path: path.join(shots, 'study-reading.png') });
    await page.reload();
    await page.fill('[data-testid=reader-id]', 'reader-1');
    await page.click('[data-testid=start]');
    await page.waitForSelector('[data-testid=questions]');
    assert.equal(await caseNumber(page), 4, 'resumes at the first unanswered case');
    await ready(page);
    assert.match(await page.textContent('[data-testid=case-number]'), /3 answered/);
    // The score given before the reload is still there.
    const kept = await page.$eval('.study-question[data-question=noise] .likert.chosen', (b) => b.dataset.value);
    assert.equal(kept, '-1');
    // Going back shows the earlier answer and lets it change; Enter returns to case 4.
    await page.keyboard.press('Backspace');
    assert.equal(await caseNumber(page), 3);
    await ready(page);
    await answer(page, r1(2));
    assert.equal(await caseNumber(page), 4);
    for (let i = 3; i < def.cases.length; i++) {
      await answer(page, r1(i).map((k, q) => (i === 3 && q === 0 ? '2' : k)));
    }
    await page.waitForSelector('[data-testid=complete]');
    // Unblinded now: the answers table names the methods on each side.
    const rows = await page.$$eval('[data-testid=answers] tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    assert.equal(rows.length, def.cases.length);
    for (const r of rows) assert.deepEqual([r[1], r[2]].sort(), ['conv', 'coord']);
    await page.screenshot({ path: path.join(shots, 'study-complete.png') });
    const json1 = await download(page, 'export-json', tmp);
    const csv1 = await download(page, 'export-csv', tmp);
    const e1 = JSON.parse(fs.readFileSync(json1, 'utf8'));
    assert.equal(e1.schema, 'coordsr-study-answers/1');
    assert.equal(e1.answers.length, def.cases.length);
    for (const a of e1.answers) {
      // Stored as "coord relative to conv": the raw "right vs left" sign flipped when coord was left.
      for (const q of Object.keys(a.scores)) {
        const raw = a.scores_right_vs_left[q];
        assert.equal(a.scores[q], a.right === 'coord' ? raw : (raw === 0 ? 0 : -raw));
      }
      assert.ok(a.millis >= 0 && a.zoom > 0 && a.window[1] > 0 && a.answered_at);
    }
    assert.equal(Object.keys(e1.answers[0].scores).length, QUESTIONS);

    // Reader 2 in a fresh browser profile.
    const context2 = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, acceptDownloads: true });
    context2.on('request', (r) => requests.push(r.url()));
    context2.setDefaultTimeout(300_000);
    const page2 = await context2.newPage();
    await page2.goto(url);
    await readAll(page2, 'reader-2', (i) => [['5', '5', '4'], ['2', '3', '3']][i % 2]);
    const json2 = await download(page2, 'export-json', tmp);

    // The CLI reads both exports (JSON and CSV alike) and gives the poster's table.
    const cli = execFileSync(coordsr, ['study', 'summarize', csv1, json2, '--study', path.join(root, STUDY)], { encoding: 'utf8' });
    assert.match(cli, /Compared to conv, coord is/);

    // The page's summary over both readers shows the same means and kappa as the CLI.
    await page.setInputFiles('[data-testid=import]', [json1, json2]);
    await page.waitForFunction(() => document.querySelector('[data-testid=summary-title]') && /2 reader/.test(document.querySelector('.study-complete').textContent));
    const summary = await page.$$eval('[data-testid=summary] tbody tr', (trs) => trs.map((tr) => ({
      q: tr.dataset.question, mean: tr.querySelector('.mean').textContent, kappa: tr.querySelector('.kappa').textContent })));
    assert.equal(summary.length, QUESTIONS);
    for (const s of summary) {
      assert.ok(cli.includes(s.mean), `CLI shows ${s.mean} for ${s.q}:\n${cli}`);
      assert.match(s.kappa, /^-?\d\.\d\d$|^—$/);
    }
    // Per reader too: 2 readers × 3 questions.
    assert.equal(await page.$$eval('[data-testid=summary-readers] tbody tr', (trs) => trs.length), 2 * QUESTIONS);
    await page.screenshot({ path: path.join(shots, 'study-summary.png') });

    // A coordinator who read nothing summarises the two exports from the study's front page.
    const coordinator = await context2.newPage();
    await coordinator.goto(url);
    await coordinator.waitForSelector('[data-testid=reader-id]');
    await coordinator.setInputFiles('[data-testid=import]', [json1, json2]);
    await coordinator.waitForSelector('[data-testid=summary] tbody tr');
    const coordMeans = await coordinator.$$eval('[data-testid=summary] tbody tr .mean', (tds) => tds.map((td) => td.textContent));
    assert.deepEqual(coordMeans, summary.map((s) => s.mean));
    await coordinator.screenshot({ path: path.join(shots, 'study-coordinator.png') });

    // A bad study file: a clear message naming it.
    const bad = await context2.newPage();
    await bad.goto(`${server.origin}/?backend=cpu&study=static/study/missing.json`);
    await bad.waitForSelector('[data-testid=study-error]:not([hidden])');
    assert.match(await bad.textContent('[data-testid=study-error]'), /missing\.json/);

    // A study on another site (here a second local server: another port is another origin) is
    // refused with a message, and no request reaches that site.
    const foreign = await serve();
    try {
      const off = await context2.newPage();
      await off.goto(`${server.origin}/?backend=cpu&study=${encodeURIComponent(`${foreign.origin}/static/study/demo.json`)}`);
      await off.waitForSelector('[data-testid=study-error]:not([hidden])');
      assert.match(await off.textContent('[data-testid=study-error]'), /refused: the viewer opens files of this site only/);
      assert.equal(foreign.requests.length, 0, `requests reached the other origin: ${foreign.requests}`);
    } finally {
      await foreign.close();
    }

    // Everything stayed on our origin.
    assert.deepEqual(requests.filter((u) => !u.startsWith(server.origin) && !u.startsWith('blob:') && !u.startsWith('data:')), []);
  } finally {
    await browser.close();
    await server.close();
  }
});

test('reader study: two tabs, stored versions, a full storage', { timeout: 600_000 }, async () => {
  const server = await serve();
  const browser = await launch(false);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'coordsr-study-tabs-'));
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, acceptDownloads: true });
    context.setDefaultTimeout(300_000);
    const url = `${server.origin}/?backend=cpu&study=${STUDY}`;
    const key = `coordsr-study/${def.id}/tabs`;
    const stored = (page) => page.evaluate((k) => JSON.parse(localStorage.getItem(k)), key);
    const open = async (reader) => {
      const page = await context.newPage();
      await page.goto(url);
      await page.fill('[data-testid=reader-id]', reader);
      await page.click('[data-testid=start]');
      return page;
    };
    // The same reader in two tabs, both on case 1.
    const a = await open('tabs');
    await a.waitForSelector('[data-testid=questions]');
    const b = await open('tabs');
    await b.waitForSelector('[data-testid=questions]');
    await answer(a, ['5', '5', '5']);
    assert.equal((await stored(a)).export.answers.length, 1);
    assert.equal((await stored(a)).version, 1, 'the stored object carries its version');
    // The other tab never saw that answer; a score given there must not erase it.
    await ready(b);
    await b.keyboard.press('1');
    const merged = await stored(b);
    assert.equal(merged.export.answers.length, 1, 'an answer of the other tab was lost');
    assert.match(await b.textContent('[data-testid=case-number]'), /1 answered/);

    // Export is reachable while reading: every answer so far.
    const file = await download(a, 'export-draft', tmp);
    const exported = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.equal(exported.study, def.id);
    assert.equal(exported.answers.length, 1);

    // Storage full: the message says how to keep the answers, and that way works.
    await ready(a);
    await a.evaluate(() => {
      Storage.prototype.setItem = () => { throw new DOMException('full', 'QuotaExceededError'); };
    });
    await a.keyboard.press('3');
    await a.waitForSelector('[data-testid=study-error]:not([hidden])');
    assert.match(await a.textContent('[data-testid=study-error]'), /export answers so far/);
    await download(a, 'export-draft', tmp);

    // An object written by a newer version of the page is refused with the reason, not misread,
    // and left as it was.
    const c = await context.newPage();
    await c.goto(url);
    await c.evaluate(([k, v]) => localStorage.setItem(k, JSON.stringify({ ...v, version: 99 })), [`coordsr-study/${def.id}/later`, merged]);
    await c.fill('[data-testid=reader-id]', 'later');
    await c.click('[data-testid=start]');
    await c.waitForSelector('[data-testid=study-error]:not([hidden])');
    assert.match(await c.textContent('[data-testid=study-error]'), /newer version of this page/);
    assert.equal(await c.evaluate((k) => JSON.parse(localStorage.getItem(k)).version, `coordsr-study/${def.id}/later`), 99);
  } finally {
    await browser.close();
    await server.close();
  }
});
