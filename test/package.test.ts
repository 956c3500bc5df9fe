/**
 * The published package: what `npm install zksim` gives a user must run. Two ways it broke before: a module the CLI
 * loads at start came from a devDependency (node-zookeeper-client: every command crashed once installed without dev
 * dependencies), and files read at run time (the conformance suite) must be in the package's "files".
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { execFileSync } from 'node:child_process';
import { builtinModules } from 'node:module';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string>; files: string[] };

/** The folders of dist/ that the package ships (tests and benchmarks stay out, see package.json "files"). */
const SHIPPED = ['api', 'bin', 'check', 'cli', 'core', 'explore', 'fidelity', 'files', 'recipes', 'reports', 'scenarios', 'sim'];

function jsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...jsFiles(p));
    else if (name.endsWith('.js')) out.push(p);
  }
  return out;
}

/** The package names a compiled module imports or requires (static, dynamic, createRequire). */
function packagesOf(code: string): string[] {
  const names = new Set<string>();
  // `import … from 'x'` / `export … from 'x'` at a line's start, `import 'x'`, `import('x')`, `require('x')`; a package
  // name's characters only, so that strings in the code that merely contain "from '" do not count
  const re = /(?:^\s*(?:import|export)\b[^;'"]*?\bfrom\s*|^\s*import\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)(['"])([a-z0-9@][a-z0-9._@/:-]*)\1/gm;
  for (const m of code.matchAll(re)) {
    const spec = m[2]!;
    if (spec.startsWith('node:') || builtinModules.includes(spec)) continue;
    const parts = spec.split('/');
    names.add(spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!);
  }
  return [...names];
}

test('every package that shipped code imports is a dependency (not a devDependency) or zksim itself', () => {
  const files = SHIPPED.flatMap((d) => jsFiles(join('dist', d)));
  assert.ok(files.length > 50, `${files.length} compiled files: was dist/ built?`);
  const missing: string[] = [];
  let seen = 0;
  for (const f of files) {
    for (const name of packagesOf(readFileSync(f, 'utf8'))) {
      seen++;
      if (name === 'zksim' || name in pkg.dependencies) continue;
      missing.push(`${f} imports ${name}${name in pkg.devDependencies ? ' (a devDependency)' : ''}`);
    }
  }
  assert.ok(seen > 10, `only ${seen} package imports found: the scan is broken`);
  assert.equal(missing, []);
});

test('the scan sees every form of import', () => {
  assert.equal(packagesOf(`import a from 'chalk';\nconst b = await import('piscina'); const c = require("node-zookeeper-client/lib/x.js");\nimport { d } from './local.js';\nimport 'node:fs';\nimport e from '@scope/pkg/sub';\nexport { f } from 'fast-check';\nconst g = { from: 'apply' }; const h = 'from ' + "x";`), ['chalk', 'piscina', 'node-zookeeper-client', '@scope/pkg', 'fast-check']);
});

test('"files" ships dist/ without tests and benchmarks, and what the conformance command and the recipes read', () => {
  for (const need of ['dist/', '!dist/test/', '!dist/bench/', 'fidelity/DIFFERENCES.md', 'fidelity/suite/', 'fidelity/golden/', 'recipes/', 'README.md']) assert.ok(pkg.files.includes(need), `files lacks ${need}`);
  // the folders shipped must be the folders dist/ has, apart from tests and benchmarks
  const built = readdirSync('dist').filter((d) => statSync(join('dist', d)).isDirectory() && d !== 'test' && d !== 'bench').sort();
  assert.equal(built, [...SHIPPED].sort());
});

test('every relative link in a shipped markdown file points at a file the package ships', () => {
  // npm's own list (no scripts: `prepare` would rebuild); README.md links to check/README.md and the client's README,
  // which were not shipped, so the installed package's README had dead links
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const shipped = new Set((JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path));
  const docs = [...shipped].filter((p) => p.endsWith('.md'));
  assert.ok(docs.includes('README.md') && docs.length >= 3, `shipped markdown: ${docs.join(', ')}`);
  const dead: string[] = [];
  let links = 0;
  for (const doc of docs) {
    for (const m of readFileSync(doc, 'utf8').matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1]!.split('#')[0]!;
      if (target === '' || /^[a-z]+:/i.test(target)) continue; // an anchor, or a web or mail address
      links++;
      const path = normalize(join(dirname(doc), target)).replace(/\/$/, '');
      if (!shipped.has(path) && ![...shipped].some((f) => f.startsWith(path + '/'))) dead.push(`${doc}: ${m[1]}`);
    }
  }
  assert.ok(links >= 5, `only ${links} relative links found: the scan is broken`);
  assert.equal(dead, []);
});

test.run();
