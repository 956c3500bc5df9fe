/** The verdict list that `run` and `replay` print: one line each, or every explanation in full with --verbose. */
import chalk from 'chalk';
import { headline, type Verdict } from '../explore/verdict.js';

export function printVerdicts(verdicts: readonly Verdict[], verbose: boolean, command: string): void {
  let cut = false;
  for (const v of verdicts) {
    const tag = v.ok === true ? chalk.green('ok        ') : v.ok === false ? chalk.red('VIOLATED  ') : chalk.yellow('not checked');
    const line = headline(v.explanation);
    if (v.ok === false && line.more) cut = true;
    console.log(`  ${tag} ${v.property}: ${verbose ? v.explanation : line.text}`);
  }
  if (cut && !verbose) console.log(`  (zksim ${command} --verbose prints every explanation in full)`);
}
