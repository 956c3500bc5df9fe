/**
 * The demo world: a few processes that keep connections to each other and exchange numbered pings under random
 * faults (partitions, crashes and restarts, pauses, resets) for a fixed virtual time. It exercises every part of the
 * kernel without ZooKeeper, and is what `zksim run` shows before the ensemble is selected.
 */
import type { ConnId, Port, ProcessEvent, Role } from '../core/port.js';
import { World } from './world.js';
import type { Seed } from './random.js';

type DemoMsg = { type: 'ping'; n: number } | { type: 'pong'; n: number };

/** Keeps one connection to every peer, reconnecting when it closes or goes quiet; pings on a timer. */
export class PingRole implements Role<DemoMsg> {
  private port!: Port<DemoMsg>;
  private readonly out = new Map<string, ConnId>();
  private readonly lastHeard = new Map<ConnId, number>();
  private counter = 0;
  received = 0;

  constructor(private readonly peers: string[], private readonly periodMs = 10) {}

  start(port: Port<DemoMsg>): void {
    this.port = port;
    // Persist a boot counter, to exercise the disk: it survives crashes only if synced.
    const boots = Number(port.disk.readValue('boots') ?? 0) + 1;
    port.disk.overwrite('boots', boots);
    port.disk.sync('boots');
    for (const p of this.peers) this.dial(p);
    port.setTimer(this.periodMs, 'tick');
  }

  private dial(peer: string): void {
    const c = this.port.connect(peer);
    this.out.set(peer, c);
    this.lastHeard.set(c, this.port.now());
  }

  handle(ev: ProcessEvent<DemoMsg>): void {
    switch (ev.kind) {
      case 'message':
        this.received++;
        this.lastHeard.set(ev.conn, this.port.now());
        if (ev.msg.type === 'ping') this.port.send(ev.conn, { type: 'pong', n: ev.msg.n });
        return;
      case 'connected':
      case 'accepted':
        this.lastHeard.set(ev.conn, this.port.now());
        return;
      case 'closed':
        this.lastHeard.delete(ev.conn);
        for (const [peer, c] of this.out) if (c === ev.conn) this.dial(peer);
        return;
      case 'timer': {
        const now = this.port.now();
        for (const [peer, c] of this.out) {
          // A silent connection (partition) is detected by timeout, as in real life.
          if (now - (this.lastHeard.get(c) ?? now) > 20 * this.periodMs) {
            this.port.close(c);
            this.lastHeard.delete(c);
            this.dial(peer);
          } else {
            this.port.send(c, { type: 'ping', n: ++this.counter });
          }
        }
        this.port.disk.append('log', [this.counter]);
        if (this.counter % 10 === 0) this.port.disk.sync('log');
        this.port.setTimer(this.periodMs, 'tick');
        return;
      }
      case 'synced':
        return;
    }
  }
}

export interface DemoResult {
  world: World;
  delivered: number;
  dropped: number;
}

/** Runs the demo for `durationMs` of virtual time under seeded random faults. */
export function runDemo(seed: Seed, opts: { processes?: number; durationMs?: number; recordTrace?: boolean } = {}): DemoResult {
  const n = opts.processes ?? 4;
  const duration = opts.durationMs ?? 5_000;
  const world = new World({ seed, recordTrace: opts.recordTrace ?? false });
  const names = Array.from({ length: n }, (_, i) => `p${i + 1}`);
  names.forEach((name, i) => world.addProcess(name, () => new PingRole(names.slice(i + 1))));
  const faults = world.rng('demo:faults');
  const faultAt = (t: number): void => {
    world.schedule(t, 'fault', () => {
      const victim = faults.choice(names);
      switch (faults.int(0, 5)) {
        case 0:
          world.net.partition([faults.shuffle(names).slice(0, Math.ceil(n / 2))]);
          world.schedule(faults.int(50, 500), 'heal', () => world.net.heal());
          break;
        case 1:
          world.crash(victim, { tornTail: faults.bernoulli(0.5) });
          world.schedule(faults.int(50, 500), 'restart', () => world.restart(victim));
          break;
        case 2:
          world.pause(victim);
          world.schedule(faults.int(50, 500), 'resume', () => world.resume(victim));
          break;
        case 3:
          world.net.resetConnections(victim);
          break;
        case 4:
          world.net.cutOneWay(victim, faults.choice(names.filter((x) => x !== victim)));
          world.schedule(faults.int(50, 500), 'heal', () => world.net.heal());
          break;
      }
    });
  };
  for (let t = faults.int(100, 400); t < duration - 500; t += faults.int(200, 800)) faultAt(t);
  world.runUntil(duration);
  return { world, delivered: world.net.delivered, dropped: world.net.dropped };
}
