/** The workloads: plan generation (pure, from the seed) and drivers. */
import { RandomStreams, type Seed } from '../../sim/random.js';
import type { ExploreCluster } from '../cluster.js';
import type { ExploreConfig, WorkloadName, WorkloadPlan } from '../spec.js';
import type { WorkloadDriver } from './common.js';
import { RegistersDriver, planRegisters } from './registers.js';
import { ConfigurationDriver, planConfiguration } from './configuration.js';
import { NamingDriver, planNaming } from './naming.js';
import { LockDriver, planLock } from './lock.js';
import { InventoryDriver, planInventory } from './inventory.js';
import { ModuleDriver, planModule } from './module.js';
import { AclDriver, planAcl } from './acl.js';

export const WORKLOAD_DESCRIPTIONS: Record<WorkloadName, string> = {
  registers: 'reads (most after a sync, some pipelined behind it), writes and conditional setData on a few znodes (linearizability, znode model; osc)',
  configuration: 'one writer, watchers re-registering one-shot watches; all converge on the last value',
  naming: 'workers join /workers with ephemeral-sequential nodes and leave; a monitor watches the membership',
  lock: "ZooKeeper's lock recipe guarding fenced writes to /resource; writes must follow the lock order",
  inventory: 'persistent and ephemeral nodes under a few parents, created, deleted and set, read with multiRead, getEphemerals, getAllChildrenNumber and getData/getChildren (osc)',
  acl: 'clients with different digest identities create, read, write, delete znodes and change their ACLs (setACL with versions, getACL); NOAUTH, INVALIDACL and aversions judged (osc)',
  module: 'your own recipe: --workload path/to/recipe.js (see explore/workloads/module.ts)',
};

export function planWorkload(seed: Seed, config: ExploreConfig): WorkloadPlan {
  const streams = new RandomStreams(seed);
  const rng = streams.stream(`workload:${config.workload}`);
  switch (config.workload) {
    case 'registers':
      // Which reads sync first comes from its own stream, and which of those are pipelined behind their sync from
      // another, so the other draws of a seed's plan stay what they were.
      return planRegisters(rng, config, config.clients, streams.stream('workload:registers:sync'), streams.stream('workload:registers:pipeline'));
    case 'configuration':
      return planConfiguration(rng, config, config.clients);
    case 'naming':
      return planNaming(rng, config, config.clients);
    case 'lock':
      return planLock(rng, config, config.clients);
    case 'inventory':
      return planInventory(rng, config, config.clients);
    case 'acl':
      return planAcl(rng, config, config.clients);
    case 'module':
      return planModule(rng, config, config.clients);
  }
}

/** A run's driver; for a recipe module, `loadRecipe(config.workloadModule)` must have run in this thread. */
export function createDriver(cluster: ExploreCluster, plan: WorkloadPlan): WorkloadDriver {
  switch (plan.name) {
    case 'registers':
      return new RegistersDriver(cluster, plan);
    case 'configuration':
      return new ConfigurationDriver(cluster, plan);
    case 'naming':
      return new NamingDriver(cluster, plan);
    case 'lock':
      return new LockDriver(cluster, plan);
    case 'inventory':
      return new InventoryDriver(cluster, plan);
    case 'acl':
      return new AclDriver(cluster, plan);
    case 'module':
      return new ModuleDriver(cluster, plan, ModuleDriver.recipeOf(cluster.config));
  }
}
