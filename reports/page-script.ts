/**
 * The report page's inline script (plain ES5-ish JavaScript, no template literals, kept as text). It reads the
 * embedded model (see model.ts) and draws the SVG pictures; every redraw builds only what is in the time window.
 *
 * Stable hooks for tests: `#lamport .arrow` is one delivered message (data-mid, data-type), `.drop` a lost one,
 * `#ops .op` one operation (data-id, data-status); filter checkboxes carry data-lane / data-type / data-mark /
 * data-proc; `#lamport` has data-arrows (drawn) and data-arrows-in-view.
 */
export const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('zk-data').textContent);
  var M = D.msgs, N = M.s.length;
  if (D.packed) {
    // Undo the delta coding of html.ts packModel.
    for (var u = 0, ps = 0, pid = 0; u < N; u++) {
      ps += M.s[u]; M.s[u] = ps;
      if (M.r[u] >= 0) M.r[u] += ps;
      if (M.d[u] >= 0) M.d[u] += ps;
      pid += M.id[u]; M.id[u] = pid;
    }
  }
  var MAX_ARROWS = 20000, MAX_MARKS = 20000, MAX_OPS = 20000;
  var ROW_H = 30, LABEL_W = 96, OPS_ROW_H = 22, TOP = 24, FAULT_H = 16;
  var S = {
    t0: 0, t1: Math.max(1, D.tEnd),
    hideLane: {}, hideType: {}, hideMark: {}, hideProc: {},
    drops: true, roles: true, marks: true
  };
  var TYPE_COLORS = ['#1f77b4', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f', '#393b79', '#637939', '#8c6d31', '#843c39', '#7b4173', '#3182bd', '#31a354', '#756bb1', '#636363', '#e6550d'];
  var MARK_COLORS = { vote: '#6a3d9a', 'fle.vote': '#6a3d9a', propose: '#1f78b4', ack: '#33a02c', commit: '#e31a1c', state: '#ff7f00', session: '#b15928', leader: '#e31a1c', epoch: '#cab2d6' };
  var ROLE_COLORS = { LEADING: '#b7e4b0', STANDALONE: '#b7e4b0', FOLLOWING: '#bcd7f2', OBSERVING: '#c7eae6', LOOKING: '#fde7a9', CRASHED: '#8d8d8d', DOWN: '#a8a8a8', RESTARTED: '#dddddd' };
  var FAULT_COLORS = { partition: 'rgba(220,40,40,0.10)', cut: 'rgba(220,40,40,0.35)', crash: 'url(#hatch)', pause: 'rgba(240,170,0,0.45)', reset: '#d62728', 'slow-link': 'rgba(120,60,200,0.3)', 'latency-spike': 'rgba(120,60,200,0.3)', 'slow-fsync': 'rgba(0,150,110,0.5)' };
  var cxMid = {}, cxOp = {};
  // Of 'want' items in view, over a drawing cap, is the k-th (from 1) left out? The cap's share, spread evenly: one
  // item of every run of want/cap is drawn (the first 'cap' would stop part-way through the window).
  function overCap(k, cap, want) { return want > cap && Math.floor(k * cap / want) === Math.floor((k - 1) * cap / want); }
  if (D.cx) { D.cx.mids.forEach(function (m) { cxMid[m] = 1; }); D.cx.ops.forEach(function (o) { cxOp[o] = 1; }); }

  function $(id) { return document.getElementById(id); }
  function esc(s) { return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;'); }
  function typeColor(i) { return TYPE_COLORS[i % TYPE_COLORS.length]; }
  function markColor(k) { var n = D.markKinds[k]; if (MARK_COLORS[n]) return MARK_COLORS[n]; if (n.indexOf('client.') === 0) return '#b15928'; return '#555'; }
  function fmtT(t) { return t >= 10000 ? (t / 1000).toFixed(t % 1000 ? 2 : 0) + ' s' : t + ' ms'; }

  // ---------------------------------------------------------------- derived, once
  var typeCount = D.types.map(function () { return 0; });
  for (var i = 0; i < N; i++) if (M.r[i] >= 0) typeCount[M.ty[i]]++;
  var markCount = D.markKinds.map(function () { return 0; });
  D.marks.forEach(function (m) { markCount[m[2]]++; });
  // Role segments per lane: [t0, t1, role, epoch].
  var segs = D.lanes.map(function () { return []; });
  D.roles.forEach(function (r) {
    var L = segs[r[1]]; if (!L) return;
    if (L.length) L[L.length - 1][1] = r[0];
    L.push([r[0], D.tEnd, r[2], r[3]]);
  });
  // Which lanes are history processes too (clients recorded under their node name).
  var procLane = D.procs.map(function (p) { return D.lanes.indexOf(p); });

  // ---------------------------------------------------------------- controls
  function checkbox(attr, val, label, color, checked, count) {
    return '<label class="cb"><input type="checkbox" ' + attr + '="' + esc(val) + '"' + (checked ? ' checked' : '') + '>' +
      (color ? '<span class="sw" style="background:' + color + '"></span>' : '') + esc(label) +
      (count !== undefined ? ' <span class="n">' + count + '</span>' : '') + '</label>';
  }
  function buildControls() {
    var h = '';
    h += '<div class="grp"><b>Processes</b>';
    D.lanes.forEach(function (n, i) { h += checkbox('data-lane', i, n, null, true); });
    D.procs.forEach(function (p, i) { if (procLane[i] < 0) h += checkbox('data-proc', i, p, null, true); });
    h += '</div><div class="grp"><b>Message types</b>';
    D.types.forEach(function (t, i) { h += checkbox('data-type', t, t, typeColor(i), true, typeCount[i]); });
    h += '</div><div class="grp"><b>Protocol events</b>';
    D.markKinds.forEach(function (k, i) { h += checkbox('data-mark', k, k, markColor(i), true, markCount[i]); });
    h += '</div><div class="grp"><b>Show</b>';
    h += checkbox('data-opt', 'drops', 'lost messages', '#d62728', true);
    h += checkbox('data-opt', 'roles', 'server roles', '#b7e4b0', true);
    h += checkbox('data-opt', 'marks', 'protocol events', '#555', true);
    h += '</div>';
    $('filters').innerHTML = h;
    $('filters').addEventListener('change', function (e) {
      var el = e.target; if (!el || el.tagName !== 'INPUT') return;
      var on = el.checked;
      if (el.hasAttribute('data-lane')) S.hideLane[el.getAttribute('data-lane')] = !on;
      else if (el.hasAttribute('data-type')) S.hideType[D.types.indexOf(el.getAttribute('data-type'))] = !on;
      else if (el.hasAttribute('data-mark')) S.hideMark[D.markKinds.indexOf(el.getAttribute('data-mark'))] = !on;
      else if (el.hasAttribute('data-proc')) S.hideProc[el.getAttribute('data-proc')] = !on;
      else if (el.getAttribute('data-opt')) S[el.getAttribute('data-opt')] = on;
      draw();
    });
  }

  // ---------------------------------------------------------------- scales
  var W = 1000;
  function X(t) { return LABEL_W + (t - S.t0) / (S.t1 - S.t0) * (W - LABEL_W - 12); }
  function T(x) { return S.t0 + (x - LABEL_W) / (W - LABEL_W - 12) * (S.t1 - S.t0); }
  function clampX(x) { return Math.max(LABEL_W - 2, Math.min(W + 2, x)); }
  function niceStep(span, n) {
    var raw = span / n, p = Math.pow(10, Math.floor(Math.log(raw) / Math.LN10)), f = raw / p;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
  }
  function tickLabel(t, step) {
    if (step >= 1000) return Math.round(t / 1000) + ' s';
    if (S.t1 >= 10000) return (t / 1000).toFixed(step >= 100 ? 1 : step >= 10 ? 2 : 3) + ' s';
    return Math.round(t) + ' ms';
  }
  function axis(y, h) {
    var s = '', step = Math.max(1, niceStep(S.t1 - S.t0, Math.max(2, Math.floor((W - LABEL_W) / 110))));
    for (var t = Math.ceil(S.t0 / step) * step; t <= S.t1; t += step) {
      var x = X(t).toFixed(1);
      s += '<line class="grid" x1="' + x + '" x2="' + x + '" y1="' + y + '" y2="' + (y + h) + '"/>' +
        '<text class="tick" x="' + x + '" y="' + (y - 4) + '">' + tickLabel(t, step) + '</text>';
    }
    return s;
  }

  // ---------------------------------------------------------------- the space-time diagram
  var typeAttr = D.types.map(esc);
  /** A line with its arrowhead in one path (SVG markers are slow with thousands of lines). */
  function arrowPath(x1, y1, x2, y2) {
    var dx = x2 - x1, dy = y2 - y1, len = Math.sqrt(dx * dx + dy * dy) || 1, ux = dx / len, uy = dy / len, h = Math.min(6, len / 2);
    var bx = x2 - ux * h, by = y2 - uy * h, px = -uy * h * 0.45, py = ux * h * 0.45;
    return 'M' + x1.toFixed(1) + ',' + y1 + 'L' + x2.toFixed(1) + ',' + y2 + 'M' + (bx + px).toFixed(1) + ',' + (by + py).toFixed(1) + 'L' + x2.toFixed(1) + ',' + y2 + 'L' + (bx - px).toFixed(1) + ',' + (by - py).toFixed(1);
  }
  function drawLamport() {
    var vis = [], laneY = {};
    D.lanes.forEach(function (n, i) { if (!S.hideLane[i]) { laneY[i] = TOP + FAULT_H + vis.length * ROW_H + ROW_H / 2; vis.push(i); } });
    var h = TOP + FAULT_H + vis.length * ROW_H + 8;
    var o = [];
    o.push('<defs><marker id="ah" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L8,4 L0,8 z" fill="context-stroke"/></marker>' +
      '<marker id="ahc" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#ff6a00"/></marker>' +
      '<pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="rgba(60,60,60,0.25)"/><line x1="0" y1="0" x2="0" y2="6" stroke="#444" stroke-width="2"/></pattern>' +
      '<clipPath id="clipL"><rect x="' + LABEL_W + '" y="0" width="' + (W - LABEL_W) + '" height="' + h + '"/></clipPath></defs>');
    // lanes: background rows and labels
    vis.forEach(function (li, k) {
      var y = TOP + FAULT_H + k * ROW_H;
      o.push('<rect class="row' + (k % 2 ? ' odd' : '') + '" x="0" y="' + y + '" width="' + W + '" height="' + ROW_H + '"/>');
      o.push('<text class="lane lk' + D.laneKind[li] + '" x="6" y="' + (y + ROW_H / 2 + 4) + '">' + esc(D.lanes[li]) + '</text>');
    });
    o.push('<g clip-path="url(#clipL)">');
    if (D.cx && D.cx.win) {
      var cx0 = clampX(X(D.cx.win[0])), cx1 = clampX(X(D.cx.win[1]));
      o.push('<rect class="cxwin" x="' + cx0 + '" y="0" width="' + Math.max(2, cx1 - cx0) + '" height="' + h + '"/>');
    }
    // server roles
    if (S.roles) vis.forEach(function (li, k) {
      var y = TOP + FAULT_H + k * ROW_H + 3;
      segs[li].forEach(function (g, gi) {
        if (g[1] < S.t0 || g[0] > S.t1) return;
        var x0 = clampX(X(g[0])), x1 = clampX(X(g[1])), name = D.roleNames[g[2]];
        o.push('<rect class="role" data-k="role" data-i="' + li + ':' + gi + '" x="' + x0.toFixed(1) + '" y="' + y + '" width="' + Math.max(0.5, x1 - x0).toFixed(1) + '" height="' + (ROW_H - 6) + '" fill="' + (ROLE_COLORS[name] || '#eee') + '"/>');
        if (x1 - x0 > 70) o.push('<text class="rolelbl" x="' + (Math.max(x0, LABEL_W) + 3).toFixed(1) + '" y="' + (y + 10) + '">' + esc(name + (g[3] >= 0 ? ' e' + g[3] : '')) + '</text>');
      });
    });
    // faults
    D.faults.forEach(function (f, fi) {
      var kind = D.faultKinds[f[0]], t1 = f[2] < 0 ? D.tEnd : f[2];
      if (t1 < S.t0 || f[1] > S.t1) return;
      var x0 = clampX(X(f[1])), x1 = clampX(X(t1)), w = Math.max(kind === 'reset' ? 0 : 2, x1 - x0);
      if (kind === 'reset') {
        if (S.hideLane[f[3]]) return;
        var yr = laneY[f[3]] !== undefined ? laneY[f[3]] : TOP + FAULT_H;
        o.push('<line class="fault fault-reset" data-k="fault" data-i="' + fi + '" x1="' + x0 + '" x2="' + x0 + '" y1="' + (yr - ROW_H / 2) + '" y2="' + (yr + ROW_H / 2) + '"/>');
      } else if (f[3] < 0 || kind === 'cut' || kind === 'slow-link') {
        o.push('<rect class="fault fault-' + kind + '" data-k="fault" data-i="' + fi + '" x="' + x0.toFixed(1) + '" y="' + TOP + '" width="' + w.toFixed(1) + '" height="' + FAULT_H + '" fill="' + (kind === 'partition' ? 'rgba(220,40,40,0.55)' : FAULT_COLORS[kind] || '#999') + '"/>');
        if (kind === 'partition') o.push('<rect class="band" x="' + x0.toFixed(1) + '" y="' + (TOP + FAULT_H) + '" width="' + w.toFixed(1) + '" height="' + (h - TOP - FAULT_H) + '" fill="' + FAULT_COLORS.partition + '"/>');
        if (w > 60) o.push('<text class="faultlbl" x="' + (Math.max(x0, LABEL_W) + 3).toFixed(1) + '" y="' + (TOP + 12) + '">' + esc(D.strs[f[4]]) + '</text>');
      } else {
        if (S.hideLane[f[3]]) return;
        var y = laneY[f[3]] - ROW_H / 2 + 1;
        o.push('<rect class="fault fault-' + kind + '" data-k="fault" data-i="' + fi + '" x="' + x0.toFixed(1) + '" y="' + y + '" width="' + w.toFixed(1) + '" height="' + (ROW_H - 2) + '" fill="' + (FAULT_COLORS[kind] || '#999') + '"/>');
      }
    });
    vis.forEach(function (li) { o.push('<line class="laneline" x1="' + LABEL_W + '" x2="' + W + '" y1="' + laneY[li] + '" y2="' + laneY[li] + '"/>'); });
    // messages
    var drawn = 0, inView = 0, dropsDrawn = 0;
    var arrows = [];
    // Over the cap, an evenly spread share of the window's arrows (overCap), not the first MAX_ARROWS: those ended
    // part-way through a long run, as if no message had been delivered after it.
    var msgShown = function (i) { return !(S.hideType[M.ty[i]] || S.hideLane[M.f[i]] || S.hideLane[M.to[i]] || laneY[M.f[i]] === undefined || laneY[M.to[i]] === undefined); };
    var want = 0;
    for (var i = 0; i < N; i++) {
      if (M.s[i] > S.t1) break;
      if (M.r[i] < 0 || M.r[i] < S.t0 || !msgShown(i)) continue;
      want++;
    }
    for (var i = 0; i < N; i++) {
      var s = M.s[i], r = M.r[i], d = M.d[i], f = M.f[i], to = M.to[i];
      if (s > S.t1) break;
      if (!msgShown(i)) continue;
      if (r >= 0) {
        if (r < S.t0) continue;
        inView++;
        if (overCap(inView, MAX_ARROWS, want)) continue;
        drawn++;
        var cxm = cxMid[M.id[i]];
        arrows.push('<path class="arrow' + (cxm ? ' cx' : '') + '" data-k="msg" data-i="' + i + '" data-mid="' + M.id[i] + '" data-type="' + typeAttr[M.ty[i]] + '" d="' + arrowPath(X(s), laneY[f], X(r), laneY[to]) + '" stroke="' + (cxm ? '#ff6a00' : typeColor(M.ty[i])) + '"/>');
      } else if (S.drops) {
        var end = d >= 0 ? d : Math.min(D.tEnd, s + 1);
        if (end < S.t0) continue;
        var x1 = X(s), y1 = laneY[f], y2 = laneY[to];
        var x2 = d >= 0 ? Math.max(X(d), x1 + 8) : x1 + 10, ym = y1 + (y2 - y1) * 0.4;
        dropsDrawn++;
        if (d >= 0) arrows.push('<g class="drop" data-k="msg" data-i="' + i + '" data-mid="' + M.id[i] + '" data-type="' + esc(D.types[M.ty[i]]) + '"><line x1="' + x1.toFixed(1) + '" y1="' + y1 + '" x2="' + x2.toFixed(1) + '" y2="' + ym + '"/><path d="M' + (x2 - 3).toFixed(1) + ',' + (ym - 3) + 'l6,6m0,-6l-6,6"/></g>');
        else arrows.push('<line class="lost" data-k="msg" data-i="' + i + '" data-mid="' + M.id[i] + '" x1="' + x1.toFixed(1) + '" y1="' + y1 + '" x2="' + x2.toFixed(1) + '" y2="' + ym + '"/>');
      }
    }
    o.push('<g id="arrows">' + arrows.join('') + '</g>');
    // protocol marks
    var marksDrawn = 0, marksInView = 0;
    if (S.marks) {
      var mk = [];
      var markShown = function (m) { return !(m[0] < S.t0 || m[0] > S.t1 || S.hideMark[m[2]] || m[1] < 0 || laneY[m[1]] === undefined); };
      var marksWant = 0;
      for (var j = 0; j < D.marks.length; j++) if (markShown(D.marks[j])) marksWant++;
      for (var j = 0; j < D.marks.length; j++) {
        var m = D.marks[j];
        if (!markShown(m)) continue;
        marksInView++;
        if (overCap(marksInView, MAX_MARKS, marksWant)) continue; // spread over the window, as the arrows
        marksDrawn++;
        mk.push('<circle class="mark" data-k="mark" data-i="' + j + '" cx="' + X(m[0]).toFixed(1) + '" cy="' + (laneY[m[1]] + 8) + '" r="3" fill="' + markColor(m[2]) + '"/>');
      }
      o.push('<g id="marks">' + mk.join('') + '</g>');
    }
    o.push('</g>');
    o.push('<text class="tick" x="6" y="' + (TOP + 12) + '">faults</text>');
    if (D.story) D.story.steps.forEach(function (st, si) {
      if (st[0] < S.t0 || st[0] > S.t1) return;
      var xs = X(st[0]).toFixed(1);
      o.push('<line class="steptick" x1="' + xs + '" x2="' + xs + '" y1="' + (TOP + FAULT_H) + '" y2="' + h + '"/><text class="steplbl" x="' + (+xs + 2) + '" y="' + (h - 3) + '">' + (si + 1) + '</text>');
    });
    o.push(axis(TOP, h - TOP));
    var svg = $('lamport');
    svg.setAttribute('width', W); svg.setAttribute('height', h);
    svg.setAttribute('data-arrows', drawn); svg.setAttribute('data-arrows-in-view', inView);
    svg.innerHTML = o.join('');
    var notes = [];
    if (drawn < inView) notes.push('Showing ' + drawn + ' of ' + inView + ' delivered messages in this window (drawing cap ' + MAX_ARROWS + '), spread evenly over it: zoom in or filter to see every one. Nothing is missing from the file.');
    if (marksDrawn < marksInView) notes.push('Showing ' + marksDrawn + ' of ' + marksInView + ' protocol events in this window (cap ' + MAX_MARKS + '), spread evenly over it.');
    $('cap').textContent = notes.join(' ');
    $('cap').style.display = notes.length ? 'block' : 'none';
    $('viewinfo').textContent = 'window ' + fmtT(Math.round(S.t0)) + ' – ' + fmtT(Math.round(S.t1)) + ' · ' + drawn + ' message arrows, ' + dropsDrawn + ' never delivered · ' + marksDrawn + ' protocol events';
  }

  // ---------------------------------------------------------------- client operations per session
  function drawOps() {
    var rows = [];
    D.procs.forEach(function (p, i) {
      if (procLane[i] >= 0 ? S.hideLane[procLane[i]] : S.hideProc[i]) return;
      rows.push(i);
    });
    var rowY = {};
    rows.forEach(function (p, k) { rowY[p] = TOP + k * OPS_ROW_H; });
    var h = TOP + rows.length * OPS_ROW_H + 8;
    var o = [];
    o.push('<defs><linearGradient id="unk" x1="0" x2="1"><stop offset="0" stop-color="#f0ad4e"/><stop offset="1" stop-color="#f0ad4e" stop-opacity="0.15"/></linearGradient>' +
      '<clipPath id="clipO"><rect x="' + LABEL_W + '" y="0" width="' + (W - LABEL_W) + '" height="' + h + '"/></clipPath></defs>');
    rows.forEach(function (p, k) {
      o.push('<rect class="row' + (k % 2 ? ' odd' : '') + '" x="0" y="' + rowY[p] + '" width="' + W + '" height="' + OPS_ROW_H + '"/>');
      o.push('<text class="lane lk1" x="6" y="' + (rowY[p] + 15) + '">' + esc(D.procs[p]) + '</text>');
    });
    o.push('<g clip-path="url(#clipO)">');
    if (D.cx && D.cx.win) {
      var cx0 = clampX(X(D.cx.win[0])), cx1 = clampX(X(D.cx.win[1]));
      o.push('<rect class="cxwin" x="' + cx0 + '" y="0" width="' + Math.max(2, cx1 - cx0) + '" height="' + h + '"/>');
    }
    var drawn = 0, opsInView = 0, opsWant = 0;
    var opShown = function (op) { return rowY[op[0]] !== undefined && !(op[1] > S.t1 || (op[2] < 0 ? D.tEnd : op[2]) < S.t0); };
    for (var i = 0; i < D.ops.length; i++) if (opShown(D.ops[i])) opsWant++;
    for (var i = 0; i < D.ops.length; i++) {
      var op = D.ops[i], y = rowY[op[0]];
      if (!opShown(op)) continue;
      var ret = op[2] < 0 ? D.tEnd : op[2];
      opsInView++;
      if (overCap(opsInView, MAX_OPS, opsWant)) continue; // spread over the window, as the arrows
      drawn++;
      var st = ['ok', 'fail', 'unknown'][op[3]];
      var x0 = clampX(X(op[1])), x1 = clampX(X(ret)), w = Math.max(2, x1 - x0);
      var cls = 'op op-' + st + (op[6] ? ' op-na' : '') + (cxOp[op[5]] ? ' cx' : '');
      // An unknown outcome may take effect any time later: a thin fading bar along the bottom of the row, so that
      // the operations the session runs afterwards stay visible above it.
      var unk = op[3] === 2;
      o.push('<rect class="' + cls + '" data-k="op" data-i="' + i + '" data-id="' + op[5] + '" data-status="' + st + '" x="' + x0.toFixed(1) + '" y="' + (unk ? y + OPS_ROW_H - 8 : y + 3) + '" width="' + w.toFixed(1) + '" height="' + (unk ? 6 : OPS_ROW_H - 9) + '"' + (unk ? ' fill="url(#unk)"' : '') + '/>');
      if (unk) o.push('<rect class="op-unknown-start" x="' + x0.toFixed(1) + '" y="' + (y + 3) + '" width="3" height="' + (OPS_ROW_H - 6) + '"/>');
      if (w > 50 && !unk) o.push('<text class="oplbl" x="' + (Math.max(x0, LABEL_W) + 2).toFixed(1) + '" y="' + (y + 15) + '">' + esc(D.strs[op[4]].slice(0, Math.floor(w / 6))) + '</text>');
    }
    D.sess.forEach(function (e, si) {
      var y = rowY[e[1]]; if (y === undefined || e[0] < S.t0 || e[0] > S.t1) return;
      var lbl = D.strs[e[2]], c = lbl.indexOf('connected') === 0 ? '#2ca02c' : lbl.indexOf('expired') === 0 ? '#d62728' : lbl.indexOf('disconnected') === 0 ? '#ff7f0e' : '#555';
      var x = X(e[0]).toFixed(1);
      o.push('<path class="sess" data-k="sess" data-i="' + si + '" d="M' + x + ',' + (y + 1) + 'l-4,-0 l4,7 l4,-7z" fill="' + c + '"/>');
    });
    D.watches.forEach(function (e, wi) {
      var y = rowY[e[1]]; if (y === undefined || e[0] < S.t0 || e[0] > S.t1) return;
      var x = X(e[0]);
      o.push('<path class="watch" data-k="watch" data-i="' + wi + '" d="M' + x.toFixed(1) + ',' + (y + OPS_ROW_H - 9) + 'l4,4l-4,4l-4,-4z"/>');
    });
    o.push('</g>');
    o.push(axis(TOP, h - TOP));
    var svg = $('ops');
    svg.setAttribute('width', W); svg.setAttribute('height', h);
    svg.setAttribute('data-ops', drawn);
    $('opscap').textContent = drawn < opsInView ? 'Showing ' + drawn + ' of ' + opsInView + ' operations in this window (drawing cap ' + MAX_OPS + '), spread evenly over it: zoom in to see every one.' : '';
    $('opscap').style.display = drawn < opsInView ? 'block' : 'none';
    svg.innerHTML = o.join('');
    $('opsnone').style.display = D.ops.length || D.sess.length ? 'none' : 'block';
  }

  // ---------------------------------------------------------------- overview (whole run)
  var BINS = 200, dens = [];
  for (var b = 0; b < BINS; b++) dens.push(0);
  for (var q = 0; q < N; q++) dens[Math.min(BINS - 1, Math.floor(M.s[q] / Math.max(1, D.tEnd) * BINS))]++;
  var densMax = Math.max.apply(null, dens.concat([1]));
  function drawOverview() {
    var h = 34, o = [], w = W - LABEL_W - 12, bw = w / BINS;
    for (var b = 0; b < BINS; b++) if (dens[b]) o.push('<rect x="' + (LABEL_W + b * bw).toFixed(1) + '" y="' + (h - 2 - dens[b] / densMax * (h - 6)).toFixed(1) + '" width="' + Math.max(0.5, bw - 0.3).toFixed(1) + '" height="' + (dens[b] / densMax * (h - 6)).toFixed(1) + '" fill="#9bb"/>');
    D.faults.forEach(function (f) {
      var t1 = f[2] < 0 ? D.tEnd : f[2];
      o.push('<rect x="' + (LABEL_W + f[1] / Math.max(1, D.tEnd) * w).toFixed(1) + '" y="0" width="' + Math.max(1, (t1 - f[1]) / Math.max(1, D.tEnd) * w).toFixed(1) + '" height="4" fill="#d62728" opacity="0.6"/>');
    });
    var a = LABEL_W + S.t0 / Math.max(1, D.tEnd) * w, z = LABEL_W + S.t1 / Math.max(1, D.tEnd) * w;
    o.push('<rect class="brush" x="' + a.toFixed(1) + '" y="0" width="' + Math.max(2, z - a).toFixed(1) + '" height="' + h + '"/>');
    o.push('<text class="tick" x="6" y="20">whole run</text>');
    var svg = $('overview');
    svg.setAttribute('width', W); svg.setAttribute('height', h);
    svg.innerHTML = o.join('');
  }

  function draw() {
    W = Math.max(600, $('main').clientWidth - 4);
    $('from').value = Math.round(S.t0); $('to').value = Math.round(S.t1);
    drawOverview(); drawLamport(); drawOps();
  }
  function setWindow(t0, t1) {
    var span = Math.max(2, t1 - t0), max = Math.max(1, D.tEnd);
    if (span > max) span = max;
    if (t0 < 0) t0 = 0;
    if (t0 + span > max) t0 = max - span;
    S.t0 = t0; S.t1 = t0 + span;
    draw();
  }
  function zoom(f, at) {
    var c = at === undefined ? (S.t0 + S.t1) / 2 : at;
    setWindow(c - (c - S.t0) * f, c - (c - S.t0) * f + (S.t1 - S.t0) * f);
  }

  // ---------------------------------------------------------------- tooltip
  function describe(k, i) {
    var s;
    if (k === 'msg') {
      i = +i;
      s = D.types[M.ty[i]] + '  ' + D.lanes[M.f[i]] + ' → ' + D.lanes[M.to[i]] + '\nsent ' + fmtT(M.s[i]);
      if (M.r[i] >= 0) s += ', received ' + fmtT(M.r[i]) + ' (' + (M.r[i] - M.s[i]) + ' ms' + (M.d[i] >= 0 ? '; lost to a cut at ' + fmtT(M.d[i]) + ', retransmitted' : '') + ')';
      else if (M.d[i] >= 0) s += ', LOST at ' + fmtT(M.d[i]) + ' (cut link; not retransmitted through by the end)';
      else s += ', never delivered (in flight at the end, or its connection closed)';
      if (M.x) s += '\n' + D.strs[M.x[i]];
      return s + '\nmessage id ' + M.id[i];
    }
    if (k === 'mark') { var m = D.marks[+i]; return D.markKinds[m[2]] + ' @' + D.lanes[m[1]] + ' t=' + fmtT(m[0]) + '\n' + D.strs[m[3]]; }
    if (k === 'op') { var op = D.ops[+i]; return D.procs[op[0]] + ' ' + D.strs[op[4]] + '\ncalled ' + fmtT(op[1]) + (op[2] >= 0 ? ', returned ' + fmtT(op[2]) + ' (' + (op[2] - op[1]) + ' ms)' : ', outcome unknown') + (op[6] ? '\n(not applied: dropped by checkers)' : '') + (cxOp[op[5]] ? '\n★ part of the counterexample' : ''); }
    if (k === 'sess') { var e = D.sess[+i]; return 'session ' + D.procs[e[1]] + ': ' + D.strs[e[2]] + ' at ' + fmtT(e[0]); }
    if (k === 'watch') { var w = D.watches[+i]; return 'watch event to ' + D.procs[w[1]] + ': ' + D.strs[w[2]] + ' at ' + fmtT(w[0]); }
    if (k === 'fault') { var f = D.faults[+i]; return D.strs[f[4]] + '\nfrom ' + fmtT(f[1]) + (f[2] < 0 ? ' to the end' : f[2] === f[1] ? '' : ' to ' + fmtT(f[2])); }
    if (k === 'role') { var p = String(i).split(':'), g = segs[+p[0]][+p[1]]; return D.lanes[+p[0]] + ' ' + D.roleNames[g[2]] + (g[3] >= 0 ? ' epoch ' + g[3] : '') + '\n' + fmtT(g[0]) + ' – ' + fmtT(g[1]); }
    return '';
  }
  var tip = $('tip');
  function onMove(e) {
    var el = e.target, k = null;
    while (el && el.getAttribute && !(k = el.getAttribute('data-k'))) el = el.parentNode;
    if (!k) { tip.style.display = 'none'; return; }
    tip.textContent = describe(k, el.getAttribute('data-i'));
    tip.style.display = 'block';
    tip.style.left = Math.min(window.innerWidth - 360, e.clientX + 14) + 'px';
    tip.style.top = (e.clientY + 14) + 'px';
  }

  // ---------------------------------------------------------------- interaction
  var drag = null;
  ['lamport', 'ops', 'overview'].forEach(function (id) {
    var svg = $(id);
    svg.addEventListener('mousemove', onMove);
    svg.addEventListener('mouseleave', function () { tip.style.display = 'none'; });
  });
  ['lamport', 'ops'].forEach(function (id) {
    var svg = $(id);
    svg.addEventListener('wheel', function (e) {
      var r = svg.getBoundingClientRect(), x = e.clientX - r.left;
      if (x < LABEL_W) return;
      e.preventDefault();
      zoom(e.deltaY > 0 ? 1.25 : 0.8, T(x));
    }, { passive: false });
    svg.addEventListener('mousedown', function (e) { drag = { x: e.clientX, t0: S.t0, t1: S.t1 }; });
    svg.addEventListener('dblclick', function () { setWindow(0, D.tEnd); });
  });
  window.addEventListener('mousemove', function (e) {
    if (!drag) return;
    var dt = (e.clientX - drag.x) / (W - LABEL_W - 12) * (drag.t1 - drag.t0);
    if (Math.abs(e.clientX - drag.x) > 2) setWindow(drag.t0 - dt, drag.t1 - dt);
  });
  window.addEventListener('mouseup', function () { drag = null; });
  $('overview').addEventListener('click', function (e) {
    var r = $('overview').getBoundingClientRect(), x = e.clientX - r.left;
    var t = (x - LABEL_W) / (W - LABEL_W - 12) * D.tEnd, span = S.t1 - S.t0;
    setWindow(t - span / 2, t + span / 2);
  });
  $('apply').addEventListener('click', function () { var a = +$('from').value, b = +$('to').value; if (b > a) setWindow(a, b); });
  $('fit').addEventListener('click', function () { setWindow(0, D.tEnd); });
  $('zin').addEventListener('click', function () { zoom(0.5); });
  $('zout').addEventListener('click', function () { zoom(2); });
  $('left').addEventListener('click', function () { var s = S.t1 - S.t0; setWindow(S.t0 - s / 2, S.t1 - s / 2); });
  $('right').addEventListener('click', function () { var s = S.t1 - S.t0; setWindow(S.t0 + s / 2, S.t1 + s / 2); });
  if (D.cx && D.cx.win) {
    $('tocx').style.display = 'inline-block';
    $('tocx').addEventListener('click', function () { var a = D.cx.win[0], b = D.cx.win[1], pad = Math.max(5, (b - a) * 0.15); setWindow(a - pad, b + pad); });
  }
  window.addEventListener('resize', draw);
  window.zksimReport = { setWindow: setWindow, state: S, data: D, draw: draw };

  function buildStory() {
    if (!D.story) return;
    var st = D.story.steps, h = '';
    st.forEach(function (x, i) {
      h += '<li data-step="' + i + '"><span class="t">' + fmtT(x[0]) + '</span> ' + esc(x[1]);
      D.story.checks.forEach(function (c) { if (Math.max(0, c[3]) === i) h += '<span class="ck' + (c[1] ? '' : ' bad') + '">' + (c[1] ? '✓ ' : '✗ ') + esc(c[2]) + '</span>'; });
      h += '</li>';
    });
    $('steps').innerHTML = h;
    $('steps').addEventListener('click', function (e) {
      var el = e.target;
      while (el && el.tagName !== 'LI') el = el.parentNode;
      if (!el) return;
      var i = +el.getAttribute('data-step'), a = st[i][0], b = i + 1 < st.length ? st[i + 1][0] : D.tEnd;
      var pad = Math.max(5, (b - a) * 0.05);
      setWindow(a - pad, b + pad);
    });
  }
  buildControls();
  buildStory();
  draw();
  document.body.setAttribute('data-ready', '1');
})();
`;
