/** Every built-in scenario, in teaching order. */
import type { ScenarioDef } from './api.js';
import quorumWrite from './quorum-write.js';
import leaderElection from './leader-election.js';
import minorityPartition from './minority-partition.js';
import configWatch from './config-watch.js';
import sessionExpiry from './session-expiry.js';
import clientFailover from './client-failover.js';
import naming from './naming.js';
import lockRecipe from './lock-recipe.js';
import bugZoo from './bug-zoo.js';
import partitionTcp from './partition-tcp.js';

export const SCENARIOS: ScenarioDef[] = [quorumWrite, leaderElection, minorityPartition, configWatch, sessionExpiry, clientFailover, naming, lockRecipe, bugZoo, partitionTcp];

export function findScenario(name: string): ScenarioDef | undefined {
  return SCENARIOS.find((s) => s.name === name);
}

export { defineScenario, runScenario, ScenarioContext, ScenarioFailure, ScenarioSkip } from './api.js';
export type { ScenarioDef, ScenarioResult, ScenarioRunOptions } from './api.js';
