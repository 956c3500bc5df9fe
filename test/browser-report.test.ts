/**
 * Opens a generated report in real headless Chromium (Debian's `chromium`, driven by playwright-core) and checks
 * that the space-time diagram draws one arrow per delivered message, that filters change the count as expected,
 * and saves a screenshot to reports/out/ (a test artefact). Skipped, with a message, when chromium is missing.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runDemo } from '../sim/demo.js';
import { writeHtmlReport } from '../reports/html.js';
import { pairOperations, type HistoryEvent } from '../check/history.js';
import type { TraceEvent } from '../sim/trace.js';
import { runStorm } from '../scenarios/storm.js';

const CHROMIUM = '/usr/bin/chromium';
const OUT = resolve('reports/out');

function launchArgs(): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ];
  // The fresh --user-data-dir is `userDir`: playwright passes it itself (launchPersistentContext).
}

/** Headless Chromium on a fresh profile, with one page; `close` ends it and removes the profile. */
async function openBrowser(viewport?: { width: number; height: number }): Promise<{ page: import('playwright-core').Page; close: () => Promise<void> }> {
  const { chromium } = await import('playwright-core');
  const userDir = mkdtempSync(join(tmpdir(), 'zksim-chromium-'));
  const browser = await chromium.launchPersistentContext(userDir, { executablePath: CHROMIUM, headless: true, args: launchArgs(), ...(viewport ? { viewport } : {}) });
  const close = async (): Promise<void> => {
    await browser.close();
    rmSync(userDir, { recursive: true, force: true });
  };
  try {
    return { page: await browser.newPage(), close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** A small fake history so that the operations timeline and the counterexample highlight are exercised too. */
function fakeHistory(trace: readonly TraceEvent[]): HistoryEvent[] {
  const end = trace.length ? trace[trace.length - 1]!.t : 0;
  const h: HistoryEvent[] = [];
  let id = 0;
  for (let t = 50, k = 0; t < end - 100; t += 137, k++) {
    const p = `p${(k % 2) + 1}`;
    const i = id++;
    h.push({ kind: 'invoke', id: i, process: p, time: t, op: k % 3 ? 'read' : 'write', args: k % 3 ? null : k });
    if (k % 7 === 3) h.push({ kind: 'info', id: i, process: p, time: t + 40 });
    else if (k % 5 === 4) h.push({ kind: 'fail', id: i, process: p, time: t + 30, error: { code: -101, name: 'NONODE' } });
    else h.push({ kind: 'ok', id: i, process: p, time: t + 20, result: k });
  }
  return h.sort((a, b) => a.time - b.time);
}

if (!existsSync(CHROMIUM)) {
  test.skip(`browser report test: ${CHROMIUM} is missing (apt-get install chromium) — SKIPPED, not passed`, () => {});
  console.log(`SKIPPED browser-report: ${CHROMIUM} not found`);
} else {
  test('report renders one arrow per delivered message; type and process filters work; screenshot', async () => {
    const r = runDemo(11, { processes: 5, durationMs: 4000, recordTrace: true });
    const trace = r.world.trace;
    const history = fakeHistory(trace);
    const ops = pairOperations(history);
    const stuck = ops.find((o) => o.op === 'write' && o.status === 'ok')!;
    mkdirSync(OUT, { recursive: true });
    const file = join(OUT, 'browser-demo.html');
    writeHtmlReport(file, {
      trace,
      history,
      title: 'browser test: demo world seed 11',
      meta: { seed: 11, traceHash: r.world.traceHash },
      counterexample: { property: 'test', text: 'a made-up counterexample for the test', opIds: [stuck.id] },
      messageDetailLimit: 100_000,
    });
    const delivered = trace.filter((e) => e.kind === 'recv').length;
    const pongs = trace.filter((e) => e.kind === 'recv' && e.type === 'pong').length;
    const touchingP5 = trace.filter((e) => e.kind === 'recv' && e.type !== 'pong' && (e.from === 'p5' || e.to === 'p5')).length;
    assert.is(delivered, r.delivered);
    assert.ok(pongs > 0 && pongs < delivered);

    const { page, close } = await openBrowser({ width: 1400, height: 900 });
    try {
      const requests: string[] = [];
      page.on('request', (req) => {
        if (!req.url().startsWith('file:') && !req.url().startsWith('data:')) requests.push(req.url());
      });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(pathToFileURL(file).href);
      await page.waitForSelector('body[data-ready="1"]');
      assert.equal(errors, [], 'no script errors');
      const count = () => page.$$eval('#lamport .arrow', (els) => els.length);
      assert.is(await count(), delivered, 'one arrow per delivered message');
      assert.is(await page.getAttribute('#lamport', 'data-arrows'), String(delivered));
      assert.is(await page.$$eval('#ops .op', (els) => els.length), ops.length, 'one bar per operation');
      assert.is(await page.$$eval('#ops .op.cx', (els) => els.length), 1, 'counterexample op highlighted');
      assert.ok((await page.$$eval('#lamport .fault', (els) => els.length)) > 0, 'fault bands drawn');
      await page.screenshot({ path: join(OUT, 'browser-report.png'), fullPage: true });
      // Hovering an arrow explains the message, contents included.
      await page.$eval('#lamport .arrow[data-type="ping"]', (el) => el.dispatchEvent(new MouseEvent('mousemove', { bubbles: true, clientX: 20, clientY: 20 })));
      const tip = (await page.textContent('#tip')) ?? '';
      assert.match(tip, /^ping {2}p\d → p\d\nsent \d+ ms, received \d+ ms/);
      assert.match(tip, /"n":\d+/);

      // Filter by message type: hide pongs.
      await page.click('input[data-type="pong"]');
      assert.is(await count(), delivered - pongs, 'pong filter removes exactly the pongs');
      // Filter by process: hide p5 too.
      await page.click('input[data-lane="4"]');
      assert.is(await count(), delivered - pongs - touchingP5, 'process filter removes messages to and from p5');
      await page.click('input[data-lane="4"]');
      await page.click('input[data-type="pong"]');
      assert.is(await count(), delivered);

      // Zoom: a window holds only the messages that overlap it.
      await page.evaluate(() => (window as unknown as { zksimReport: { setWindow(a: number, b: number): void } }).zksimReport.setWindow(1000, 1500));
      const inWindow = trace.filter((e) => e.kind === 'recv' && e.t >= 1000).filter((e) => {
        const s = trace.find((x) => x.kind === 'send' && x.mid === e.mid)!;
        return s.t <= 1500;
      }).length;
      assert.is(await count(), inWindow, 'zoomed window shows the overlapping messages');
      await page.screenshot({ path: join(OUT, 'browser-report-zoomed.png'), fullPage: true });
      assert.equal(requests, [], 'the page makes no network requests');
    } finally {
      await close();
    }
    assert.ok(statSync(join(OUT, 'browser-report.png')).size > 10_000);
  });

  test('a 60-second 5-server run with faults: report size, every delivered message drawn, filters, screenshot', async () => {
    const storm = await runStorm({ seed: 1, servers: 5, clients: 5, durationMs: 60_000 });
    const trace = storm.trace;
    mkdirSync(OUT, { recursive: true });
    const file = join(OUT, 'storm-60s-5servers.html');
    const bytes = writeHtmlReport(file, {
      trace,
      history: storm.history,
      title: 'storm: 60 s, 5 servers, 5 clients, seed 1',
      meta: { seed: 1, traceHash: storm.traceHash, faults: storm.faults },
    });
    const recvs = trace.filter((e) => e.kind === 'recv');
    const delivered = recvs.length;
    const proposals = recvs.filter((e) => e.type === 'proposal').length;
    console.log(`storm report: ${file} ${bytes} bytes (${(bytes / 1024).toFixed(0)} KiB), ${delivered} delivered messages, ${storm.faults} faults, ${storm.history.length} history events`);
    assert.ok(storm.faults >= 5, 'faults happened');
    assert.ok(trace.some((e) => e.kind === 'partition') && trace.some((e) => e.kind === 'crash'));
    assert.ok(delivered > 5_000, 'a busy run');
    assert.ok(bytes < 8_000_000, 'report size stays sane');
    const { page, close } = await openBrowser({ width: 1600, height: 1000 });
    try {
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(pathToFileURL(file).href);
      await page.waitForSelector('body[data-ready="1"]', { timeout: 60_000 });
      assert.equal(errors, []);
      const count = () => page.$$eval('#lamport .arrow', (els) => els.length);
      const cap = 20_000;
      if (delivered <= cap) assert.is(await count(), delivered, 'one arrow per delivered message');
      else {
        assert.is(await count(), cap);
        assert.match(await page.textContent('#cap') ?? '', /Showing 20000 of/);
      }
      await page.screenshot({ path: join(OUT, 'browser-storm.png'), fullPage: true });
      await page.click('input[data-type="proposal"]');
      assert.is(await count(), Math.min(cap, delivered - proposals), 'hiding proposals removes exactly them');
      await page.click('input[data-type="proposal"]');
      await page.evaluate(() => (window as unknown as { zksimReport: { setWindow(a: number, b: number): void } }).zksimReport.setWindow(20_000, 24_000));
      await page.screenshot({ path: join(OUT, 'browser-storm-zoomed.png'), fullPage: true });
    } finally {
      await close();
    }
  });

  test('more protocol events and operations than the drawing cap: those drawn are spread over the whole run', async () => {
    // they were the first 20000 in time, so the rest of a long run looked empty
    const r = runDemo(11, { processes: 3, durationMs: 3000, recordTrace: true });
    const N = 30_000;
    const marks: TraceEvent[] = Array.from({ length: N }, (_, i) => ({ t: Math.floor((i * 3000) / N), kind: 'tick-mark', node: `p${(i % 3) + 1}`, n: i }));
    const trace = [...r.world.trace, ...marks].sort((a, b) => a.t - b.t);
    const history: HistoryEvent[] = [];
    for (let i = 0; i < N; i++) {
      const t = Math.floor((i * 3000) / N);
      history.push({ kind: 'invoke', id: i, process: `c${(i % 3) + 1}`, time: t, op: 'read', args: null });
      history.push({ kind: 'ok', id: i, process: `c${(i % 3) + 1}`, time: t, result: 0 });
    }
    mkdirSync(OUT, { recursive: true });
    const file = join(OUT, 'browser-capped-marks-ops.html');
    writeHtmlReport(file, { trace, history, title: 'capped marks and operations' });
    const { page, close } = await openBrowser();
    try {
      await page.goto(pathToFileURL(file).href);
      await page.waitForSelector('body[data-ready="1"]', { timeout: 60_000 });
      const markTimes = await page.$$eval('#lamport .mark', (els) => els.map((e) => Number(e.getAttribute('data-i'))));
      assert.is(markTimes.length, 20_000);
      const opIdx = await page.$$eval('#ops .op', (els) => els.map((e) => Number(e.getAttribute('data-id'))));
      assert.is(opIdx.length, 20_000);
      // the last operation drawn is one of the run's last ones (ids follow time), not the 20000th
      assert.ok(Math.max(...opIdx) >= N - 10, `last operation drawn: #${Math.max(...opIdx)}`);
      assert.ok(opIdx.filter((id) => id >= (3 * N) / 4).length > 4_000, 'the last quarter of the run has its share');
      // the marks drawn reach the end too: the model's marks are in trace order, so the last index drawn is near the end
      const lastMark = Math.max(...markTimes);
      assert.ok(lastMark >= N - 10, `last mark drawn: ${lastMark} of ${N}+`);
      assert.match((await page.textContent('#cap')) ?? '', /Showing 20000 of \d+ protocol events in this window \(cap 20000\), spread evenly over it/);
      assert.match((await page.textContent('#opscap')) ?? '', /Showing 20000 of 30000 operations in this window \(drawing cap 20000\), spread evenly over it/);
    } finally {
      await close();
    }
  });

  test('more arrows than the drawing cap: the page says so, and zooming in shows every one', async () => {
    const r = runDemo(3, { processes: 5, durationMs: 14_000, recordTrace: true });
    const trace = r.world.trace;
    const delivered = trace.filter((e) => e.kind === 'recv').length;
    assert.ok(delivered > 20_000, `need more than the cap (got ${delivered})`);
    const file = join(OUT, 'browser-capped.html');
    writeHtmlReport(file, { trace, title: 'capped' });
    const { page, close } = await openBrowser();
    try {
      await page.goto(pathToFileURL(file).href);
      await page.waitForSelector('body[data-ready="1"]', { timeout: 60_000 });
      assert.is(await page.$$eval('#lamport .arrow', (els) => els.length), 20_000);
      assert.is(await page.getAttribute('#lamport', 'data-arrows-in-view'), String(delivered));
      assert.match((await page.textContent('#cap')) ?? '', new RegExp(`Showing 20000 of ${delivered} delivered messages`));
      // spread over the whole run, not its first 20000 (which ended at 11 of its 14 s, as if nothing came after)
      const sends = trace.filter((e) => e.kind === 'send').map((e) => e.t);
      const drawnAt = await page.$$eval('#lamport .arrow', (els) => els.map((e) => Number(e.getAttribute('data-i'))));
      assert.ok(sends[Math.max(...drawnAt)]! >= 13_300, `last arrow drawn sent at ${sends[Math.max(...drawnAt)]} ms of 14000`);
      for (let q = 0; q < 4; q++) {
        const inQuarter = drawnAt.filter((i) => sends[i]! >= q * 3_500 && sends[i]! < (q + 1) * 3_500).length;
        assert.ok(inQuarter > 3_000, `quarter ${q + 1}: ${inQuarter} arrows`);
      }
      await page.evaluate(() => (window as unknown as { zksimReport: { setWindow(a: number, b: number): void } }).zksimReport.setWindow(5_000, 6_000));
      const sendT = new Map<unknown, number>();
      for (const e of trace) if (e.kind === 'send') sendT.set(e.mid, e.t);
      const inWindow = trace.filter((e) => e.kind === 'recv' && e.t >= 5_000 && sendT.get(e.mid)! <= 6_000).length;
      assert.is(await page.$$eval('#lamport .arrow', (els) => els.length), inWindow);
      assert.is(await page.isVisible('#cap'), false, 'no cap notice once everything is drawn');
    } finally {
      await close();
    }
  });
}

test.run();
