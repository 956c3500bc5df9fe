/**
 * Against the real Apache ZooKeeper (Debian package `zookeeper`): runs a few suites on a live standalone server and
 * compares them with the golden files. Skipped (reported as skipped) when the package is not installed.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { realZooKeeperAvailable } from '../fidelity/realzk.js';
import { conformance } from '../cli/commands/conformance.js';
import { isDeliberate, listedDifferences } from '../fidelity/differences.js';
import { openTarget } from '../fidelity/targets.js';
import { runTranscript } from '../fidelity/runner.js';
import { loadGoldenRaw, loadSuite, selectSuites } from '../fidelity/suite.js';
import { normalise } from '../fidelity/transcript.js';
import { diffTranscripts, formatDiff } from '../fidelity/diff.js';

const SUITES = ['versions', 'multi', 'special'];

if (!realZooKeeperAvailable()) {
  // Print the summary of one skipped test in uvu's own form (Total leaves skipped tests out), so that
  // scripts/run-tests.mjs counts it as skipped, neither passed nor failed.
  console.log('SKIPPED: real ZooKeeper not installed (apt-get install -y zookeeper); the real-server fidelity test did not run');
  console.log('\n  Total:     0\n  Passed:    0\n  Skipped:   1\n  Duration:  0ms\n');
} else {
  test('real standalone ZooKeeper matches the golden files', async () => {
    const opened = await openTarget({ kind: 'real-local', servers: 1 });
    try {
      for (const entry of selectSuites(SUITES)) {
        const golden = loadGoldenRaw('standalone', entry.name);
        assert.ok(golden, `golden file for ${entry.name}`);
        const out = await runTranscript(opened.target, loadSuite(entry));
        const diffs = diffTranscripts(normalise(golden!), normalise(out)).filter((c) => !c.identical);
        assert.equal(
          diffs.map((c) => `${c.case}: ${c.diffs.map(formatDiff).join('; ')}`),
          [],
          `${entry.name} differs from golden`,
        );
      }
    } finally {
      await opened.close();
    }
  });
  test('the whole conformance suite: zksim against a live ZooKeeper 3.8 (standalone and a 3-node ensemble), every difference deliberate', async () => {
    const report = await conformance({ against: 'local', seed: '1' });
    assert.is(report.expected, 'real');
    assert.is(report.actual, 'zksim');
    const listed = listedDifferences();
    const unexplained = report.cases.filter((c) => !c.identical && !isDeliberate(listed, c.case, c.config));
    console.log(`conformance against the live server: ${report.identical} identical, ${report.differing} differing (${report.differing - unexplained.length} deliberate)`);
    assert.equal(unexplained.map((c) => `${c.config} ${c.case}: ${c.diffs.map(formatDiff).join('; ')}`), []);
    assert.ok(report.identical >= 435, `${report.identical} identical cases`);
  });
  test.run();
}
