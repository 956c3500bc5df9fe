/**
 * Folders for what zksim writes (explore's artefacts, HTML reports, golden files).
 *
 * Not `mkdirSync(dir, { recursive: true })`: on Node 20 that loops for ever, at full CPU, when the folder cannot be
 * made under a pseudo file system (`/proc/x`), so `zksim explore --out /proc/x` hung instead of failing.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Makes `dir` and its missing parents, one level at a time; throws Node's error (code, syscall, path) when it cannot. */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = resolve(dir); !existsSync(d); ) {
    missing.push(d);
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  for (let i = missing.length - 1; i >= 0; i--) {
    try {
      mkdirSync(missing[i]!);
    } catch (e) {
      // made meanwhile by someone else (explore's workers share the output folder): fine if it is a folder
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  if (!statSync(dir).isDirectory()) {
    throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${dir}'`), { code: 'ENOTDIR', syscall: 'mkdir', path: dir });
  }
}
