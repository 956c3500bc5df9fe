/**
 * The self-contained HTML report: one file, inline CSS and script, the run's data embedded as JSON (see model.ts),
 * no network, no external fonts. It shows a space-time (Lamport) diagram of every message between servers and
 * clients with fault bands and server roles/epochs, the client operations per session coloured by outcome, and a
 * checker's counterexample highlighted on both. Zoom (wheel, drag, window inputs, overview) and filters (process,
 * message type, protocol event) keep long runs usable.
 */
import { writeFileSync } from 'node:fs';
import { makeDirs } from '../files/dirs.js';
import { dirname } from 'node:path';
import { buildReportModel, messageCountsText, type ReportInput, type ReportModel } from './model.js';
import { PAGE_SCRIPT } from './page-script.js';

export type { ReportInput, Counterexample, ReportModel } from './model.js';
export { buildReportModel, counterexampleFromLinearizability, counterexampleFromVerdict } from './model.js';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JSON safe inside a <script> element. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const CSS = `
*{box-sizing:border-box}
body{margin:0;font:13px/1.35 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#222;background:#fafafa}
header{padding:10px 16px;background:#1d2b3a;color:#eef}
header h1{margin:0 0 4px;font-size:18px}
header .meta{font-size:12px;color:#bcd;display:flex;flex-wrap:wrap;gap:4px 16px}
header .meta b{color:#fff;font-weight:600}
#cxbox{margin:10px 16px;padding:8px 12px;border:2px solid #ff6a00;background:#fff4ea;border-radius:4px}
#cxbox pre{margin:0;max-height:190px;overflow:auto;white-space:pre-wrap;font:12px/1.4 ui-monospace,Menlo,Consolas,monospace}
#cxbox summary{cursor:pointer}
#cxbox h2{display:inline;margin:0 0 4px;font:600 14px system-ui,sans-serif;color:#b34700}
#story{margin:8px 16px;padding:6px 12px;background:#fff;border:1px solid #ccd;border-radius:4px}
#story ol{margin:4px 0 0;padding-left:22px;columns:2;column-gap:28px}
#story li{cursor:pointer;break-inside:avoid;margin-bottom:2px}
#story li:hover{background:#eef4ff}
#story .t{color:#888;font-size:11px}
#story .ck{display:block;font-size:11px;color:#2a7a2a}
#story .ck.bad{color:#c00;font-weight:600}
svg .steptick{stroke:#1e78c8;stroke-width:1;stroke-dasharray:2 3}
svg .steplbl{font:600 10px system-ui,sans-serif;fill:#1e78c8}
#toolbar{position:sticky;top:0;z-index:5;background:#fff;border-bottom:1px solid #ddd;padding:6px 16px;display:flex;flex-wrap:wrap;gap:6px;align-items:center}
#toolbar input[type=number]{width:90px}
#toolbar button{cursor:pointer}
#tocx{display:none;background:#ff6a00;color:#fff;border:1px solid #c50}
#viewinfo{color:#555;margin-left:8px}
#filters{padding:6px 16px;display:flex;flex-wrap:wrap;gap:4px 22px;border-bottom:1px solid #ddd;background:#fff}
#filters .grp{display:flex;flex-wrap:wrap;gap:2px 8px;align-items:center;max-width:100%}
#filters b{margin-right:4px}
.cb{white-space:nowrap;cursor:pointer}
.cb .sw{display:inline-block;width:10px;height:10px;margin:0 3px 0 2px;border-radius:2px;vertical-align:-1px}
.cb .n{color:#888;font-size:11px}
#main{padding:4px 16px 30px}
h3{margin:12px 0 2px;font-size:14px}
.legend{font-size:12px;color:#555;margin:0 0 4px}
.legend span{display:inline-block;margin-right:12px}
.legend i{display:inline-block;width:18px;height:10px;vertical-align:-1px;margin-right:3px;border:1px solid #999}
#opscap{display:none;margin:4px 0;padding:4px 8px;background:#fff3cd;border:1px solid #e0c060;border-radius:3px}
#cap{display:none;margin:4px 0;padding:4px 8px;background:#fff3cd;border:1px solid #e0c060;border-radius:3px}
svg{display:block;background:#fff;border:1px solid #ddd;user-select:none}
svg .row{fill:#fff}svg .row.odd{fill:#f6f8fa}
svg .lane{font:600 12px system-ui,sans-serif;fill:#223}
svg .lane.lk1{fill:#6a3d9a}svg .lane.lk2{fill:#666}
svg .laneline{stroke:#c9d1d9;stroke-width:1}
svg .grid{stroke:#eee;stroke-width:1}
svg .tick{font:10px system-ui,sans-serif;fill:#777;text-anchor:start}
svg .rolelbl{font:10px system-ui,sans-serif;fill:#234;pointer-events:none}
svg .faultlbl{font:10px system-ui,sans-serif;fill:#fff;pointer-events:none}
svg .role{opacity:.9}
svg .arrow{stroke-width:1;opacity:.75;fill:none}
svg .arrow:hover{stroke-width:3;opacity:1}
svg .arrow.cx{stroke-width:2.5;opacity:1}
svg .drop line{stroke:#d62728;stroke-width:1.2;stroke-dasharray:3 2}
svg .drop path{stroke:#d62728;stroke-width:1.6;fill:none}
svg .lost{stroke:#999;stroke-width:1;stroke-dasharray:2 2}
svg .fault-reset{stroke:#d62728;stroke-width:2}
svg .cxwin{fill:rgba(255,200,0,.18);stroke:#ff6a00;stroke-dasharray:4 3}
svg .op{stroke:#fff;stroke-width:.5}
svg .op-ok{fill:#5cb85c}svg .op-fail{fill:#d9534f}svg .op-unknown{stroke:#c77c00}
svg .op-na{opacity:.45}
svg .op-unknown-start{fill:#c77c00}
svg .op.cx{stroke:#ff6a00;stroke-width:3}
svg .oplbl{font:10px ui-monospace,Menlo,Consolas,monospace;fill:#fff;pointer-events:none}
svg .watch{fill:#9467bd;stroke:#fff;stroke-width:.5}
svg .brush{fill:rgba(30,120,200,.15);stroke:#1e78c8}
#tip{position:fixed;display:none;z-index:10;max-width:520px;background:#1d2b3a;color:#fff;padding:6px 8px;border-radius:4px;font:12px/1.4 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;pointer-events:none}
#opsnone{display:none;color:#777;margin:4px 0}
footer{color:#777;font-size:11px;padding:0 16px 20px}
`;

/**
 * The embedded form: message times delta-coded (send time as the difference to the previous send, receive and
 * drop times relative to the send, -1 for none; ids delta-coded), which roughly halves the message table.
 * The page undoes it before drawing (page-script.ts).
 */
function packModel(model: ReportModel): unknown {
  const m = model.msgs;
  const n = m.s.length;
  const s = new Array<number>(n);
  const r = new Array<number>(n);
  const d = new Array<number>(n);
  const id = new Array<number>(n);
  let ps = 0;
  let pid = 0;
  for (let i = 0; i < n; i++) {
    s[i] = m.s[i]! - ps;
    ps = m.s[i]!;
    r[i] = m.r[i]! < 0 ? -1 : m.r[i]! - m.s[i]!;
    d[i] = m.d[i]! < 0 ? -1 : m.d[i]! - m.s[i]!;
    id[i] = m.id[i]! - pid;
    pid = m.id[i]!;
  }
  return { ...model, packed: 1, msgs: { s, r, d, f: m.f, to: m.to, ty: m.ty, id, ...(m.x ? { x: m.x } : {}) } };
}

/** Renders the report page for a run. */
export function renderHtmlReport(input: ReportInput): string {
  return renderHtmlFromModel(buildReportModel(input));
}

export function renderHtmlFromModel(model: ReportModel): string {
  const c = model.counts;
  const meta = [
    ['virtual time', model.endKnown ? `${model.tEnd} ms (end of run${model.lastRecordT < model.tEnd ? `; last trace record at ${model.lastRecordT} ms` : ''})` : `${model.tEnd} ms (the last trace record)`],
    ['processes', String(model.lanes.length)],
    ['messages', messageCountsText(c)],
    ['trace records', String(c.events)],
    ...(c.simEvents >= 0 ? [['simulation events', String(c.simEvents)]] : []),
    ['message contents', model.detail.included ? 'in tooltips' : `left out (more than ${model.detail.limit} messages; the trace has them)`],
    ['operations', String(model.ops.length)],
    // the bands drawn: a power loss is a crash of each server, so they may outnumber the schedule's faults (meta)
    ['fault intervals', String(model.faults.length)],
    ...model.meta,
  ]
    .map(([k, v]) => `<span>${esc(k!)}: <b>${esc(v!)}</b></span>`)
    .join('');
  // What the pictures highlight; an explanation that names no operation (config-convergence, ensemble...) has
  // nothing there, and the box says so rather than promise orange marks and a shaded window that are not drawn.
  const cxWhere = !model.cx
    ? ''
    : model.cx.ops.length || model.cx.mids.length || model.cx.win
      ? ` — highlighted in orange below: ${model.cx.ops.length} operation(s), ${model.cx.mids.length} message(s) of those sessions${model.cx.win ? '; the shaded window is where it happens' : ''}.`
      : ' — the explanation names no operation of the history, so nothing below is highlighted.';
  const cx = model.cx
    ? `<details id="cxbox" open><summary><h2>Counterexample: ${esc(model.cx.property)}</h2>${cxWhere}</summary><pre>${esc(model.cx.text)}</pre></details>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(model.title)}</title>
<style>${CSS}</style></head>
<body>
<header><h1>${esc(model.title)}</h1><div class="meta">${meta}</div></header>
${cx}
${model.story ? '<details id="story" open><summary><b>Story</b> — click a step to zoom to it</summary><ol id="steps"></ol></details>' : ''}
<div id="toolbar">
<button id="fit" title="show the whole run (or double-click a diagram)">Fit</button>
<button id="zin">Zoom in</button><button id="zout">Zoom out</button>
<button id="left">◀</button><button id="right">▶</button>
from <input id="from" type="number" min="0"> to <input id="to" type="number" min="0"> ms <button id="apply">Apply</button>
<button id="tocx">Zoom to counterexample</button>
<span id="viewinfo"></span>
</div>
<div id="filters"></div>
<div id="main">
<svg id="overview" aria-label="overview of the whole run: message density and faults; click to move the window"></svg>
<h3>Space-time diagram</h3>
<div class="legend"><span>one lane per process; an arrow per delivered message (send → receive), coloured by type; <span style="color:#d62728">✕ lost to a cut link</span>, grey dashes: never delivered.</span>
<span><i style="background:#b7e4b0"></i>leading</span><span><i style="background:#bcd7f2"></i>following</span><span><i style="background:#fde7a9"></i>looking</span><span><i style="background:#8d8d8d"></i>crashed</span><span><i style="background:rgba(240,170,0,.45)"></i>paused</span><span><i style="background:rgba(220,40,40,.55)"></i>partition / cut</span><span><i style="background:rgba(120,60,200,.3)"></i>slow link / latency spike</span><span><i style="background:rgba(0,150,110,.5)"></i>slow fsync</span><span>dots: protocol events (hover)</span><span>wheel: zoom · drag: pan · double-click: fit</span></div>
<div id="cap"></div>
<svg id="lamport" role="img" aria-label="space-time diagram"></svg>
<h3>Client operations per session</h3>
<div class="legend"><span><i style="background:#5cb85c"></i>ok</span><span><i style="background:#d9534f"></i>failed</span><span><i style="background:linear-gradient(90deg,#f0ad4e,#fff)"></i>unknown outcome</span><span>▼ session state (green connected, orange disconnected, red expired)</span><span style="color:#9467bd">◆ watch event</span></div>
<div id="opsnone">No client history in this run.</div>
<div id="opscap" class="capnote"></div>
<svg id="ops" role="img" aria-label="client operations"></svg>
</div>
<footer>zksim report · self-contained (no network) · every message, fault and operation of the run is embedded in this file; the page draws at most 20 000 arrows, protocol events and operations at once and says so when a window holds more.</footer>
<div id="tip"></div>
<script type="application/json" id="zk-data">${scriptJson(packModel(model))}</script>
<script>${PAGE_SCRIPT}</script>
</body></html>
`;
}

/** Writes the HTML report to `path` (creating folders); returns the number of bytes written. */
export function writeHtmlReport(path: string, input: ReportInput): number {
  const html = renderHtmlReport(input);
  makeDirs(dirname(path));
  writeFileSync(path, html);
  return Buffer.byteLength(html);
}
