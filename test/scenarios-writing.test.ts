/**
 * scenarios/README.md's "Writing one", end to end: the example it shows, saved where it says (scenarios/ of a clone,
 * compiled with the project's own compiler options to dist/scenarios/), imports 'zksim' (the package's own name,
 * as the recipes do), compiles without a diagnostic, and `zksim scenario` runs the compiled file to PASSED. The
 * same file in a project of its own with zksim installed (node_modules/zksim) does too.
 *
 * The documented `npx tsc -p .` is not run here (it would rewrite dist/ under the tests running beside this one):
 * the file is compiled alone with tsconfig.json's options, into a copy of the layout inside the repository (which
 * is what lets 'zksim' resolve to this package), and tsconfig.json is checked to compile scenarios/ into
 * dist/scenarios/.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import ts from 'typescript';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve('.');
const BIN = join(ROOT, 'dist/bin/zksim.js');
const README = readFileSync(join(ROOT, 'scenarios/README.md'), 'utf8');
const section = README.slice(README.indexOf('## Writing one'));

function example(): string {
  const m = /```ts\n([\s\S]*?)```/.exec(section);
  assert.ok(m, 'the section has a TypeScript example');
  return m![1]!;
}

/** The project's compiler options (tsconfig.json), with this root and output folder. */
function compile(file: string, rootDir: string, outDir: string): string[] {
  const cfg = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(cfg.config, ts.sys, ROOT);
  const options: ts.CompilerOptions = { ...parsed.options, rootDir, outDir, declaration: false, incremental: false, tsBuildInfoFile: undefined };
  const program = ts.createProgram([file], options);
  const emitted = program.emit();
  return [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics].map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

function runCli(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('the documented steps: scenarios/ compiles to dist/scenarios/, and the commands say so', () => {
  const cfg = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')) as { compilerOptions: { rootDir: string; outDir: string }; include: string[] };
  assert.ok(cfg.include.includes('scenarios'), 'tsconfig.json compiles scenarios/');
  assert.is(cfg.compilerOptions.rootDir, '.');
  assert.is(cfg.compilerOptions.outDir, 'dist');
  for (const step of ['scenarios/my-story.ts', 'npx tsc -p .', 'node dist/bin/zksim.js scenario dist/scenarios/my-story.js']) assert.ok(section.includes(step), step);
  assert.match(example(), /from 'zksim'/);
  assert.not.match(example(), /from '\.\.?\//, 'no relative import into the package: it breaks outside its folder');
});

test('the example, in scenarios/ of the clone, compiles with the project\'s options and runs to PASSED', () => {
  // a copy of the layout inside the repository: <tmp>/scenarios/my-story.ts -> <tmp>/dist/scenarios/my-story.js
  const dir = mkdtempSync(join(ROOT, '.readme-scenario-'));
  try {
    mkdirSync(join(dir, 'scenarios'));
    const file = join(dir, 'scenarios/my-story.ts');
    writeFileSync(file, example());
    assert.equal(compile(file, dir, join(dir, 'dist')), []);
    const r = runCli(['scenario', join(dir, 'dist/scenarios/my-story.js')], ROOT);
    assert.is(r.code, 0, r.out.slice(-2000) + r.err);
    assert.match(r.out, /PASSED my-story/);
    assert.match(r.out, /✓ the ephemeral \/a went with its session/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the example in a project of its own, with zksim installed, compiles and runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zksim-own-project-'));
  try {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'my-project', type: 'module', private: true }));
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules/zksim'), 'dir'); // what npm install zksim gives, as far as resolution goes
    mkdirSync(join(dir, 'src'));
    const file = join(dir, 'src/my-story.ts');
    writeFileSync(file, example());
    assert.equal(compile(file, join(dir, 'src'), join(dir, 'dist')), []);
    const r = runCli(['scenario', 'dist/my-story.js'], dir);
    assert.is(r.code, 0, r.out.slice(-2000) + r.err);
    assert.match(r.out, /PASSED my-story/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
