/**
 * The nemesis: an explicit fault schedule generated from the seed (swarm testing: each seed switches a random
 * subset of the allowed fault kinds on, with its own intensity), and its application to a running world.
 *
 * The schedule is plain data (a list of {at, duration, fault}); every fault heals at `at + duration`, and every
 * heal happens before the end of the fault phase (config.durationMs), so the recovery phase starts fault-free.
 * Faults that need the run's state (isolate the current leader) are resolved when they are applied, which is itself
 * deterministic. Network faults of different entries may overlap: a heal removes every cut and re-applies the cuts
 * of the faults still active.
 */
import { RandomStreams, type Rng, type Seed } from '../sim/random.js';
import type { World } from '../sim/world.js';
import type { ExploreConfig, Fault, FaultKind, ScheduledFault } from './spec.js';

export function serverNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `s${i + 1}`);
}
export function clientNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `c${i + 1}`);
}

/** Fault kinds that make sense for this many servers. */
export function applicableKinds(kinds: readonly FaultKind[], servers: number): FaultKind[] {
  return kinds.filter((k) => {
    if (k === 'isolate-follower' || k === 'one-way') return servers >= 2;
    if (k === 'bridge') return servers >= 3;
    return true;
  });
}

export interface Swarm {
  kinds: FaultKind[];
  /** 0..1: how dense and how long the faults are. */
  intensity: number;
}

/** Swarm testing: which kinds are on for this seed, and how intense. */
export function swarmFor(seed: Seed, config: ExploreConfig): Swarm {
  const rng = new RandomStreams(seed).stream('nemesis:swarm');
  const allowed = applicableKinds(config.faults, config.servers);
  let kinds = allowed.filter(() => rng.bernoulli(0.5));
  if (kinds.length === 0 && allowed.length) kinds = [rng.choice(allowed)];
  return { kinds, intensity: rng.uniform(0.2, 1) };
}

/** The fault schedule of a seed under a config (a pure function). */
export function generateSchedule(seed: Seed, config: ExploreConfig, clientCount = config.clients): ScheduledFault[] {
  const swarm = swarmFor(seed, config);
  if (swarm.kinds.length === 0) return [];
  const rng = new RandomStreams(seed).stream('nemesis:schedule');
  const servers = serverNames(config.servers);
  const clients = clientNames(clientCount);
  const end = config.durationMs;
  const meanGap = 3500 - 2700 * swarm.intensity; // 800 .. 3000 ms between fault starts
  const timeout = config.sessionTimeoutMs;
  const out: ScheduledFault[] = [];
  const busyUntil = new Map<string, number>(); // per node: crash / pause in progress
  let netBusyUntil = 0; // one network fault (cut) at a time
  let t = 1000 + rng.int(0, Math.round(meanGap));
  while (t < end - 200) {
    const kind = rng.choice(swarm.kinds);
    const longish = (lo: number, hi: number) => Math.round(lo + (hi - lo) * rng.next() * (0.3 + 0.7 * swarm.intensity));
    let fault: Fault | null = null;
    let duration = 0;
    // Free strictly after the previous fault's heal: a fault starting in the very millisecond of that heal ran
    // first (fault events are queued at install, a heal when its fault starts) and the heal then undid it at once
    // (a crash or pause of a node already down or paused did nothing and the heal restarted it; a cut was healed).
    const freeServers = servers.filter((s) => (busyUntil.get(s) ?? 0) < t);
    const freeClients = clients.filter((c) => (busyUntil.get(c) ?? 0) < t);
    const netFree = netBusyUntil < t;
    switch (kind) {
      case 'partition': {
        if (!netFree) break;
        const everyone = rng.shuffle([...servers, ...clients]);
        const cut = 1 + rng.int(0, everyone.length - 1);
        fault = { kind: 'partition', groups: [everyone.slice(0, cut).sort(), everyone.slice(cut).sort()] };
        duration = longish(300, 2 * timeout);
        break;
      }
      case 'isolate-leader':
        if (!netFree) break;
        fault = { kind: 'isolate-leader', withClients: clients.filter(() => rng.bernoulli(0.3)) };
        duration = longish(300, 2 * timeout);
        break;
      case 'isolate-follower':
        if (!netFree) break;
        fault = { kind: 'isolate', node: rng.choice(servers), withClients: clients.filter(() => rng.bernoulli(0.3)) };
        duration = longish(300, 2 * timeout);
        break;
      case 'bridge': {
        if (!netFree) break;
        const order = rng.shuffle(servers);
        const bridge = order[0]!;
        const rest = order.slice(1);
        const half = Math.ceil(rest.length / 2);
        const left = [...rest.slice(0, half), ...clients.filter(() => rng.bernoulli(0.5))].sort();
        const right = rest.slice(half).concat(clients.filter((c) => !left.includes(c))).sort();
        fault = { kind: 'bridge', left, right, bridge };
        duration = longish(300, 2 * timeout);
        break;
      }
      case 'one-way': {
        if (!netFree) break;
        const [from, to] = rng.shuffle(servers);
        fault = { kind: 'one-way', from: from!, to: to! };
        duration = longish(300, 3 * timeout);
        break;
      }
      case 'crash':
        if (freeServers.length) {
          fault = { kind: 'crash', node: rng.choice(freeServers), torn: rng.bernoulli(0.5) };
          duration = longish(100, 2 * timeout);
        }
        break;
      case 'power-loss':
        if (freeServers.length === servers.length) {
          const restartAfter = servers.map(() => rng.int(50, Math.round(1.5 * timeout)));
          fault = { kind: 'power-loss', torn: rng.bernoulli(0.5), restartAfter };
          duration = Math.max(...restartAfter) + 1;
        }
        break;
      case 'pause-server':
        if (freeServers.length) {
          fault = { kind: 'pause', node: rng.choice(freeServers) };
          duration = longish(50, 2 * timeout);
        }
        break;
      case 'pause-client':
        if (freeClients.length) {
          fault = { kind: 'pause', node: rng.choice(freeClients) };
          // Half of the client pauses outlast the session timeout, so that sessions expire.
          duration = rng.bernoulli(0.5) ? rng.int(50, Math.max(51, timeout >> 1)) : rng.int(Math.round(1.3 * timeout), 3 * timeout);
        }
        break;
      case 'slow-link': {
        const everyone = [...servers, ...clients];
        const a = rng.choice(servers);
        const b = rng.choice(everyone.filter((x) => x !== a));
        const min = rng.int(20, 300);
        fault = { kind: 'slow-link', a, b, min, max: min * rng.int(2, 6) };
        duration = longish(300, 3 * timeout);
        break;
      }
      case 'latency-spike': {
        const min = rng.int(10, 150);
        fault = { kind: 'latency-spike', min, max: min * rng.int(2, 5) };
        duration = longish(100, 2 * timeout);
        break;
      }
      case 'slow-fsync': {
        const min = rng.int(20, 300);
        const order = rng.shuffle(servers);
        const others = order.slice(1, rng.int(1, servers.length + 1)).sort();
        fault = { kind: 'slow-fsync', node: order[0]!, min, max: min * rng.int(2, 4), ...(others.length ? { others } : {}) };
        duration = longish(300, 3 * timeout);
        break;
      }
    }
    if (fault) {
      duration = Math.max(20, Math.min(duration, end - t));
      out.push({ at: t, duration, fault });
      if (fault.kind === 'crash' || fault.kind === 'pause') busyUntil.set(fault.node, t + duration);
      if (fault.kind === 'power-loss') for (const s of servers) busyUntil.set(s, t + duration);
      if (['partition', 'isolate-leader', 'isolate', 'bridge', 'one-way'].includes(fault.kind)) netBusyUntil = t + duration;
    }
    t += 100 + Math.round(rng.exponential(meanGap));
  }
  return out;
}

/** A short text for a fault (summaries, explanations). */
export function describeFault(f: ScheduledFault): string {
  const x = f.fault;
  const span = `@${f.at}ms for ${f.duration}ms`;
  switch (x.kind) {
    case 'partition':
      return `partition ${x.groups.map((g) => `[${g.join(' ')}]`).join(' | ')} ${span}`;
    case 'isolate-leader':
      return `isolate the leader${x.withClients.length ? ` with ${x.withClients.join(' ')}` : ''} ${span}`;
    case 'isolate':
      return `isolate ${x.node} (a follower)${x.withClients.length ? ` with ${x.withClients.join(' ')}` : ''} ${span}`;
    case 'bridge':
      return `bridge [${x.left.join(' ')}] <${x.bridge}> [${x.right.join(' ')}] ${span}`;
    case 'one-way':
      return `one-way cut ${x.from} -> ${x.to} ${span}`;
    case 'crash':
      return `crash ${x.node}${x.torn ? ' (torn tail)' : ''}, restart ${span}`;
    case 'power-loss':
      return `power loss: every server crashes${x.torn ? ' (torn tails)' : ''}, restarts after ${x.restartAfter.join('/')} ms ${span}`;
    case 'pause':
      return `pause ${x.node} ${span}`;
    case 'slow-link':
      return `slow link ${x.a} <-> ${x.b} ${x.min}-${x.max}ms ${span}`;
    case 'latency-spike':
      return `latency spike ${x.min}-${x.max}ms ${span}`;
    case 'slow-fsync':
      return `slow fsync on ${[x.node, ...(x.others ?? [])].join(' ')} ${x.min}-${x.max}ms ${span}`;
  }
}

export interface NemesisHost {
  world: World;
  servers: string[];
  /** Every client process name (they may grow as sessions are replaced). */
  clients(): string[];
  /** The current leader's name, or null. */
  leader(): string | null;
}

/** Applies a schedule to a world: registers driver events for every fault and its heal. */
export class Nemesis {
  private readonly activeCuts: Array<{ id: number; apply: () => void }> = [];
  private readonly defaultLatency = { min: 1, max: 5 };
  private spikes = 0;
  /** Faults applied / healed so far (for reports). */
  applied = 0;
  healed = 0;

  constructor(private readonly host: NemesisHost, private readonly schedule: readonly ScheduledFault[]) {}

  install(): void {
    const w = this.host.world;
    this.schedule.forEach((f, id) => {
      w.schedule(f.at, `fault ${id}`, () => this.apply(id, f));
    });
  }

  /** The time of the last heal (0 when there is no fault). */
  lastHeal(): number {
    return lastHeal(this.schedule);
  }

  private apply(id: number, f0: ScheduledFault): void {
    const w = this.host.world;
    // A schedule may name nodes that this run does not have (a shrunk repro with fewer clients or servers):
    // such names are dropped, and a fault left without its node is skipped.
    const known = new Set(w.names());
    const f = restrictFault(f0, (n) => known.has(n));
    if (!f) {
      w.note('fault-skipped', { id });
      return;
    }
    const x = f.fault;
    this.applied++;
    const heal = (fn: () => void) =>
      w.schedule(f.duration, `heal ${id}`, () => {
        this.healed++;
        fn();
        w.note('fault-heal', { id });
      });
    const cut = (apply: () => void, detail: Record<string, unknown>) => {
      this.activeCuts.push({ id, apply });
      apply();
      w.note('fault', { id, what: x.kind, ...detail });
      heal(() => {
        const i = this.activeCuts.findIndex((c) => c.id === id);
        if (i >= 0) this.activeCuts.splice(i, 1);
        w.net.heal();
        for (const c of this.activeCuts) c.apply();
      });
    };
    switch (x.kind) {
      case 'partition':
        cut(() => w.net.partition(x.groups), { groups: x.groups });
        return;
      case 'isolate-leader':
      case 'isolate': {
        let node = x.kind === 'isolate' ? x.node : this.host.leader();
        const leader = this.host.leader();
        if (x.kind === 'isolate' && node === leader && this.host.servers.length > 1) {
          // "one follower": if the chosen server leads now, take the next one in order.
          const i = this.host.servers.indexOf(node!);
          node = this.host.servers[(i + 1) % this.host.servers.length]!;
        }
        if (node === null) node = this.host.servers[0]!; // no leader right now: isolate the first server
        const alone = [node, ...x.withClients];
        const others = [...this.host.servers.filter((s) => s !== node), ...this.host.clients().filter((c) => !x.withClients.includes(c))];
        cut(() => w.net.partition([alone, others]), { node, alone, others });
        return;
      }
      case 'bridge':
        // Both sides lose each other; the bridge keeps its links to both (it is in neither group).
        cut(() => w.net.partition([x.left, x.right]), { left: x.left, right: x.right, bridge: x.bridge });
        return;
      case 'one-way':
        cut(() => w.net.cutOneWay(x.from, x.to), { from: x.from, to: x.to });
        return;
      case 'crash':
        w.note('fault', { id, what: 'crash', node: x.node, torn: x.torn });
        w.crash(x.node, { tornTail: x.torn });
        heal(() => w.restart(x.node));
        return;
      case 'power-loss': {
        w.note('fault', { id, what: 'power-loss', torn: x.torn });
        const servers = this.host.servers;
        // the machines lose power: no FIN goes out, peers and clients learn of it only through their timeouts
        servers.forEach((s) => w.crash(s, { tornTail: x.torn, hostDown: true }));
        servers.forEach((s, i) => w.schedule(Math.min(x.restartAfter[i] ?? 0, f.duration), `restart ${s}`, () => w.restart(s)));
        heal(() => servers.forEach((s) => w.restart(s)));
        return;
      }
      case 'pause':
        w.note('fault', { id, what: 'pause', node: x.node });
        w.pause(x.node);
        heal(() => w.resume(x.node));
        return;
      case 'slow-link':
        w.note('fault', { id, what: 'slow-link', a: x.a, b: x.b });
        w.net.setLinkLatency(x.a, x.b, { min: x.min, max: x.max });
        heal(() => w.net.setLinkLatency(x.a, x.b, null));
        return;
      case 'latency-spike':
        w.note('fault', { id, what: 'latency-spike' });
        this.spikes++;
        w.net.setDefaultLatency({ min: x.min, max: x.max });
        heal(() => {
          if (--this.spikes === 0) w.net.setDefaultLatency(this.defaultLatency);
        });
        return;
      case 'slow-fsync':
        const nodes = [x.node, ...(x.others ?? [])];
        w.note('fault', { id, what: 'slow-fsync', nodes });
        for (const n of nodes) w.disk(n).setSyncLatency({ min: x.min, max: x.max });
        heal(() => nodes.forEach((n) => w.disk(n).setSyncLatency({ min: 1, max: 5 })));
        return;
    }
  }
}

export type { Rng };

/** The fault restricted to existing nodes, or null when it no longer applies. */
export function restrictFault(f: ScheduledFault, has: (n: string) => boolean): ScheduledFault | null {
  const x = f.fault;
  const keep = (l: string[]) => l.filter(has);
  switch (x.kind) {
    case 'partition': {
      const groups = x.groups.map(keep).filter((g) => g.length);
      return groups.length >= 2 ? { ...f, fault: { ...x, groups } } : null;
    }
    case 'isolate-leader':
      return { ...f, fault: { ...x, withClients: keep(x.withClients) } };
    case 'isolate':
      return has(x.node) ? { ...f, fault: { ...x, withClients: keep(x.withClients) } } : null;
    case 'bridge':
      return has(x.bridge) ? { ...f, fault: { ...x, left: keep(x.left), right: keep(x.right) } } : null;
    case 'one-way':
      return has(x.from) && has(x.to) ? f : null;
    case 'slow-fsync':
      return has(x.node) ? { ...f, fault: { ...x, ...(x.others ? { others: keep(x.others) } : {}) } } : null;
    case 'crash':
    case 'pause':
      return has(x.node) ? f : null;
    case 'slow-link':
      return has(x.a) && has(x.b) ? f : null;
    case 'latency-spike':
    case 'power-loss':
      return f;
  }
}

/** The time of a schedule's last heal (0 when there is no fault): where the fault phase ends if a fault outlasts it. */
export function lastHeal(schedule: readonly ScheduledFault[]): number {
  return schedule.reduce((m, f) => Math.max(m, f.at + f.duration), 0);
}
