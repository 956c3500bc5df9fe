/**
 * Seeded randomness. One root seed (integer or non-empty string) derives any number of named, independent
 * streams: a stream's draws depend only on (root seed, stream name), so adding a new consumer of randomness never
 * shifts the draws of the others.
 */
import seedrandom from 'seedrandom';

export type Seed = number | string;

/** Validates a user-given seed: a safe integer or a non-empty string. Returns a reason when invalid. */
export function seedProblem(seed: unknown): string | null {
  if (typeof seed === 'number') return Number.isSafeInteger(seed) ? null : `seed must be a safe integer (at most 2^53 - 1 in magnitude) or a string, got ${seed}`;
  if (typeof seed === 'string') return seed.length > 0 ? null : 'seed must not be empty';
  return 'seed must be an integer or a non-empty string';
}

/** Parses a seed from the command line: digits (optionally signed) become an integer, anything else a string. */
export function parseSeed(text: string): Seed {
  if (/^-?\d+$/.test(text)) {
    const n = Number(text);
    if (Number.isSafeInteger(n)) return n;
  }
  return text;
}

/** 2^-32. */
const TWO_POW_MINUS_32 = 2.3283064365386963e-10;

export class Rng {
  /**
   * Alea's state (c, s0, s1, s2). seedrandom derives it from the key (its Mash); the draws then run here, the same
   * arithmetic as seedrandom's Alea.next, on a Float64Array: seedrandom keeps the state in object fields, and every
   * draw stored three boxed doubles through a closure (a message's latency draw was about 5% of a run).
   */
  private readonly state = new Float64Array(4);
  constructor(readonly name: string, key: string) {
    // alea: fast, good quality, and fully determined by the key.
    const st = seedrandom.alea(key, { state: true }).state();
    this.state[0] = st.c;
    this.state[1] = st.s0;
    this.state[2] = st.s1;
    this.state[3] = st.s2;
  }
  /** One Alea draw, uniform in [0, 1) (seedrandom's Alea.next). */
  private draw(): number {
    const st = this.state;
    const t = 2091639 * st[1]! + st[0]! * TWO_POW_MINUS_32;
    st[1] = st[2]!;
    st[2] = st[3]!;
    const c = t | 0;
    st[0] = c;
    return (st[3] = t - c);
  }
  /** Uniform in [0, 1). */
  next(): number {
    return this.draw();
  }
  /** Uniform integer in [lo, hi). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.draw() * (hi - lo));
  }
  /** Uniform real in [a, b). */
  uniform(a: number, b: number): number {
    return a + this.draw() * (b - a);
  }
  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.draw());
  }
  /** True with probability p. */
  bernoulli(p: number): boolean {
    return this.draw() < p;
  }
  /** One element, uniformly. */
  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error(`Rng(${this.name}).choice of an empty list`);
    return items[Math.floor(this.draw() * items.length)]!;
  }
  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.draw() * (i + 1));
      const t = out[i]!;
      out[i] = out[j]!;
      out[j] = t;
    }
    return out;
  }
  /**
   * A network-like latency in integer ms: uniform in [min, max], and with probability `tailP` an extra
   * exponential tail (mean = max - min + 1), so that a few messages are much slower than the rest.
   */
  latency(min: number, max: number, tailP = 0.01): number {
    // One draw decides both whether this message is in the tail and, rescaled, where in [min, max] it lands:
    // this is the hot path of every message.
    const u = this.draw();
    if (u < tailP) return this.tailLatency(min, max);
    return Math.max(0, Math.round(min + ((u - tailP) / (1 - tailP)) * (max - min)));
  }

  /** latency() in the tail (1 in 100 messages): apart, so that the common path inlined into every send stays small. */
  private tailLatency(min: number, max: number): number {
    return Math.max(0, Math.round(max + this.exponential(max - min + 1)));
  }
}

/** The root of all randomness in a run. */
export class RandomStreams {
  private readonly streams = new Map<string, Rng>();
  constructor(readonly seed: Seed) {
    const problem = seedProblem(seed);
    if (problem) throw new Error(problem);
  }
  /** The named stream (created on first use; the same object afterwards). */
  stream(name: string): Rng {
    let s = this.streams.get(name);
    if (!s) {
      // The type prefix keeps seed 7 and seed "7" distinct.
      s = new Rng(name, `zksim|${typeof this.seed}:${this.seed}|${name}`);
      this.streams.set(name, s);
    }
    return s;
  }
}
