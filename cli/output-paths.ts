/**
 * Where a command writes, as named on its command line (`explore --out`, `--report`, `replay --save`,
 * `conformance --save`), checked before the work starts: a place zksim cannot write is bad input (exit 2, one line),
 * found at once rather than after an hour of exploration whose results it would then lose.
 */
import { closeSync, existsSync, mkdtempSync, openSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { makeDirs } from '../files/dirs.js';
import { UsageError } from './errors.js';

function reason(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

// Both checks write for real (a probe made and removed): permission bits say nothing of a read-only or pseudo file
// system, and root passes every permission check.

/** Makes the folder `dir` (and its parents) and checks that something can be made in it. */
export function outputDir(option: string, dir: string): void {
  try {
    makeDirs(dir);
    rmdirSync(mkdtempSync(join(dir, '.zksim-probe-')));
  } catch (e) {
    throw new UsageError(`${option} ${dir}: cannot write in this folder (${reason(e)})`);
  }
}

/** Makes the folder of `file` and checks that the file can be written there (it may exist, but not as a folder). */
export function outputFile(option: string, file: string): void {
  const existed = existsSync(file);
  if (existed && statSync(file).isDirectory()) throw new UsageError(`${option} ${file}: is a folder, not a file`);
  try {
    makeDirs(dirname(file));
    closeSync(openSync(file, 'a')); // opened for appending, nothing written: an existing file stays as it was
    if (!existed) unlinkSync(file);
  } catch (e) {
    throw new UsageError(`${option} ${file}: cannot write this file (${reason(e)})`);
  }
}
