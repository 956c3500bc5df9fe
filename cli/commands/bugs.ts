import type { Command } from 'commander';
import chalk from 'chalk';
import { BUG_ZOO } from '../../explore/bugs.js';

export function register(program: Command): void {
  program
    .command('bugs')
    .description('list the zoo bugs that --bug NAME switches on')
    .option('--json', 'print a JSON list of {name, description, workload, faults, servers} (and durationMs where the bug sets one): the bug and the configuration that exposes it')
    .action((o: { json?: boolean }) => {
      if (o.json) {
        console.log(JSON.stringify(BUG_ZOO.map((b) => ({ name: b.name, description: b.description, workload: b.workload, faults: b.faults, servers: b.servers, ...(b.durationMs !== undefined ? { durationMs: b.durationMs } : {}) }))));
        return;
      }
      for (const b of BUG_ZOO) {
        console.log(`${chalk.bold(b.name)}\n  ${b.description}\n  try: npx zksim explore --bug ${b.name}   (workload ${b.workload}; faults ${b.faults.join(',')}${b.durationMs !== undefined ? `; duration ${b.durationMs} ms` : ''})`);
      }
    });
}
