/** `--report <file.html>` on run and replay: writes the HTML report and says where (on stderr, so --json stays clean). */
import { writeRunReport, type RunLike } from '../reports/run-report.js';

export function writeReportFile(path: string, run: RunLike, title: string): void {
  const { bytes } = writeRunReport(path, run, { title });
  process.stderr.write(`report: ${path} (${bytes.toLocaleString('en-US')} bytes)\n`);
}
