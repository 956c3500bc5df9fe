/**
 * Kernel figures: delivered messages per wall second for a ping-pong among 5 endpoints through the network model
 * (latency draws, FIFO, trace hashing included), and heap bytes per pending event in the queue.
 */
import type { ConnId, Port, ProcessEvent, Role } from '../core/port.js';
import { World } from '../sim/world.js';

class PingPong implements Role<number> {
  private port!: Port<number>;
  constructor(private readonly peers: string[], private readonly inFlight: number) {}
  start(port: Port<number>): void {
    this.port = port;
    for (const p of this.peers) port.connect(p);
  }
  handle(ev: ProcessEvent<number>): void {
    if (ev.kind === 'connected') for (let i = 0; i < this.inFlight; i++) this.port.send(ev.conn as ConnId, i);
    else if (ev.kind === 'message') this.port.send(ev.conn, ev.msg + 1);
  }
}

function pingPong(messages: number): { delivered: number; ms: number } {
  const world = new World({ seed: 1, maxEvents: messages * 2 + 1000 });
  const names = ['e1', 'e2', 'e3', 'e4', 'e5'];
  names.forEach((n, i) => world.addProcess(n, () => new PingPong(names.slice(i + 1), 4)));
  const t0 = process.hrtime.bigint();
  while (world.net.delivered < messages && world.step()) {
    /* run */
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { delivered: world.net.delivered, ms };
}

function heapPerPendingEvent(n: number): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  const world = new World({ seed: 1 });
  gc?.();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < n; i++) world.schedule(i, 'x', noop);
  gc?.();
  const after = process.memoryUsage().heapUsed;
  if (world.pendingEvents !== n) throw new Error('events lost');
  return Math.round((after - before) / n);
}
function noop(): void {}

export async function run(): Promise<Record<string, unknown>> {
  pingPong(200_000); // warm-up: let the JIT settle
  const runs = [pingPong(2_000_000), pingPong(2_000_000), pingPong(2_000_000)];
  const rates = runs.map((r) => (r.delivered / r.ms) * 1000).sort((a, b) => a - b);
  return {
    messagesPerSecond: Math.round(rates[1]!),
    heapBytesPerPendingEvent: heapPerPendingEvent(500_000),
    gcExposed: typeof (globalThis as { gc?: unknown }).gc === 'function',
  };
}
