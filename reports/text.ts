/**
 * A plain-text summary of a run for terminals and CI logs: messages per type, faults in time order, who led in
 * which epoch, client operations per session by outcome, and the checker's counterexample. No colour codes.
 */
import { buildReportModel, messageCountsText, runLengthText, type ReportInput, type ReportModel } from './model.js';

export interface TextSummaryOptions {
  /** Maximum lines per list (faults, role changes); the rest is counted, never silently dropped. */
  maxLines?: number;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

export function textSummary(input: ReportInput, opts: TextSummaryOptions = {}): string {
  return textSummaryFromModel(buildReportModel(input), opts);
}

export function textSummaryFromModel(m: ReportModel, opts: TextSummaryOptions = {}): string {
  const max = opts.maxLines ?? 30;
  const out: string[] = [];
  const c = m.counts;
  out.push(`== ${m.title} ==`);
  for (const [k, v] of m.meta) out.push(`${k}: ${v}`);
  out.push(`${runLengthText(m)}, processes: ${m.lanes.join(' ') || '(none)'}`);
  out.push(`messages: ${messageCountsText(c)}`);
  if (m.types.length) {
    const per = m.types.map(() => 0);
    for (let i = 0; i < m.msgs.s.length; i++) if (m.msgs.r[i]! >= 0) per[m.msgs.ty[i]!]!++;
    const order = m.types.map((_, i) => i).sort((a, b) => per[b]! - per[a]! || a - b);
    out.push('  by type: ' + order.map((i) => `${m.types[i]} ${per[i]}`).join(', '));
  }

  // Leaders per epoch and role changes.
  const leaders: string[] = [];
  const seen = new Set<string>();
  for (const r of m.roles) {
    const role = m.roleNames[r[2]!]!;
    if (role === 'LEADING' || role === 'STANDALONE') {
      const key = `${m.lanes[r[1]!]}@${r[3]}`;
      if (seen.has(key)) continue;
      seen.add(key);
      leaders.push(`t=${r[0]} ${m.lanes[r[1]!]} ${role.toLowerCase()}${r[3]! >= 0 ? ` epoch ${r[3]}` : ''}`);
    }
  }
  if (m.roles.length) {
    out.push(`server roles: ${m.roles.length} changes; leaders:`);
    for (const l of leaders.slice(0, max)) out.push('  ' + l);
    if (leaders.length > max) out.push(`  ... and ${leaders.length - max} more`);
    if (!leaders.length) out.push('  (no leader ever)');
    // Final role of every server.
    const last = new Map<number, number[]>();
    for (const r of m.roles) last.set(r[1]!, r);
    const fin = [...last.entries()].sort((a, b) => a[0] - b[0]).map(([l, r]) => `${m.lanes[l]} ${m.roleNames[r[2]!]}${r[3]! >= 0 ? ` e${r[3]}` : ''}`);
    out.push('  at the end: ' + fin.join(', '));
  }

  if (m.faults.length) {
    out.push(`faults: ${m.faults.length}`);
    for (const f of m.faults.slice(0, max)) {
      const span = f[2]! < 0 ? `${f[1]}..end` : f[2] === f[1] ? `${f[1]}` : `${f[1]}..${f[2]}`;
      out.push(`  ${pad(span, 14)} ${m.strs[f[4]!]}`);
    }
    if (m.faults.length > max) out.push(`  ... and ${m.faults.length - max} more`);
  } else out.push('faults: none');

  if (m.ops.length || m.sess.length) {
    out.push(`client operations: ${m.ops.length}`);
    const rows = m.procs.map(() => [0, 0, 0]);
    for (const o of m.ops) rows[o[0]!]![o[3]!]!++;
    const expired = new Set<number>();
    for (const s of m.sess) if (m.strs[s[2]!]!.startsWith('expired')) expired.add(s[1]!);
    const w = m.procs.map(() => 0);
    for (const e of m.watches) w[e[1]!]!++;
    m.procs.forEach((p, i) => {
      const [ok, fail, unk] = rows[i]!;
      out.push(`  ${pad(p, 8)} ok ${pad(String(ok), 5)} fail ${pad(String(fail), 5)} unknown ${pad(String(unk), 4)} watch events ${w[i]}${expired.has(i) ? '  (session expired)' : ''}`);
    });
  }

  if (m.cx) {
    out.push(`COUNTEREXAMPLE (${m.cx.property}):`);
    for (const line of m.cx.text.split('\n')) out.push('  ' + line);
    if (m.cx.ops.length) out.push(`  operations: ${m.cx.ops.map((o) => '#' + o).join(' ')}`);
    if (m.cx.win) out.push(`  window: ${m.cx.win[0]}..${m.cx.win[1]} ms`);
  }
  return out.join('\n');
}
