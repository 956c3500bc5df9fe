/**
 * Reports for runs, scenarios and failing seeds. Other commands call:
 *
 *   writeHtmlReport(path, { trace, history, title, counterexample?, meta? })  -> bytes written
 *   textSummary({ trace, history, title, counterexample?, meta? })           -> plain text for terminals/CI
 *
 * `trace` is world.trace (create the World/Cluster with recordTrace: true), `history` the check/history.ts events.
 */
export { writeHtmlReport, renderHtmlReport, buildReportModel, counterexampleFromLinearizability, counterexampleFromVerdict } from './html.js';
export type { ReportInput, Counterexample, ReportModel } from './html.js';
export { textSummary } from './text.js';
export { writeRunReport, runReportInput } from './run-report.js';
export type { RunLike, RunReportOptions } from './run-report.js';
