/**
 * A verdict on one property of one run. `ok: null` means the property was NOT checked (the checker is not wired
 * in this build, or it gave up): never counted as a pass.
 */
export interface Verdict {
  property: string;
  ok: boolean | null;
  explanation: string;
}

export function failed(vs: readonly Verdict[]): Verdict | undefined {
  return vs.find((v) => v.ok === false);
}

/**
 * An explanation in one line, for lists of verdicts: its first line, and when that line only announces what follows
 * (it ends with ':', as "ensemble invariants VIOLATED (1):" does) the first detail line too, so that the reason
 * shows without --verbose. At most `max` characters; `more` tells whether anything was left out.
 */
export function headline(explanation: string, max = 200): { text: string; more: boolean } {
  const lines = explanation.split('\n');
  let text = lines[0]!;
  let used = 1;
  if (text.endsWith(':') && lines.length > 1) {
    text = `${text} ${lines[1]!.trim()}`;
    used = 2;
  }
  if (text.length > max) return { text: `${text.slice(0, max - 1)}…`, more: true };
  return { text, more: lines.length > used };
}
