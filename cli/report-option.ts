/** `--report <file.html>` on run and replay: writes the HTML report and says where (on stderr, so --json stays clean). */
import { writeRunReport, type RunLike } from '../reports/run-report.js';
import { counterexampleFromVerdict } from '../reports/model.js';
import type { Verdict } from '../explore/verdict.js';

/** `highlight`: the failing verdict whose counterexample the page shows (default: the run's first failing one). */
export function writeReportFile(path: string, run: RunLike, title: string, highlight?: Verdict): void {
  const { bytes } = writeRunReport(path, run, { title, ...(highlight ? { counterexample: counterexampleFromVerdict(highlight) } : {}) });
  process.stderr.write(`report: ${path} (${bytes.toLocaleString('en-US')} bytes)\n`);
}
