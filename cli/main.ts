import { Command, CommanderError } from 'commander';
import { UsageError, EXIT_BAD_INPUT } from './errors.js';
import { register as registerRun } from './commands/run.js';
import { register as registerCheck } from './commands/check.js';
import { register as registerTranscript } from './commands/transcript.js';
import { register as registerConformance } from './commands/conformance.js';
import { register as registerExplore } from './commands/explore.js';
import { register as registerReplay } from './commands/replay.js';
import { register as registerShrink } from './commands/shrink.js';
import { register as registerMerge } from './commands/merge.js';
import { register as registerBugs } from './commands/bugs.js';
import { register as registerScenario } from './commands/scenario.js';

/** Every command module exports register(program). Add one line per command here. */
const registrations: Array<(program: Command) => void> = [
  registerScenario,
  registerRun,
  registerCheck,
  registerTranscript,
  registerConformance,
  registerExplore,
  registerReplay,
  registerShrink,
  registerMerge,
  registerBugs,
];

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('zksim')
    .description('Deterministic simulation testbed for Apache ZooKeeper')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .showHelpAfterError(false);
  for (const register of registrations) register(program);
  // Sub-commands inherit the exit override so that commander's usage errors reach main() below.
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/** Runs the CLI; returns the exit code. Usage errors become exit 2 with a one-line reason. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  // Commander answers `zksim nosuch --help` with the root help (exit 0); an unknown command is bad input.
  const first = argv[2];
  if (first !== undefined && !first.startsWith('-') && first !== 'help' && !program.commands.some((c) => c.name() === first || c.aliases().includes(first))) {
    process.stderr.write(`zksim: unknown command '${first}' (see zksim --help)\n`);
    return EXIT_BAD_INPUT;
  }
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit 0; everything else commander rejects is bad input.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return EXIT_BAD_INPUT; // commander already printed its one-line reason
    }
    if (err instanceof UsageError) {
      process.stderr.write(`zksim: ${err.message}\n`);
      return EXIT_BAD_INPUT;
    }
    // A file zksim could not read or write (a full disk, a folder removed meanwhile): the system's reason on one
    // line, not a stack trace. Paths named on the command line were checked before the work (cli/output-paths.ts).
    const sys = err as NodeJS.ErrnoException;
    if (sys instanceof Error && typeof sys.code === 'string' && typeof sys.syscall === 'string' && typeof sys.path === 'string') {
      process.stderr.write(`zksim: cannot ${sys.syscall} ${sys.path}: ${sys.code}\n`);
      return EXIT_BAD_INPUT;
    }
    throw err;
  }
}
