/** Registry of benchmark parts. Each part is imported lazily so that `npm run bench -- kernel` loads only what it runs. */
export type BenchPart = () => Promise<Record<string, unknown>>;

/**
 * In the order a full run measures them, each in a process of its own (bench/main.ts).
 */
export const parts: Record<string, BenchPart> = {
  kernel: async () => (await import('./kernel.js')).run(),
  ensemble: async () => (await import('./ensemble.js')).run(),
  explore: async () => (await import('./explore.js')).run(),
  checker: async () => (await import('./checker.js')).run(),
  fidelity: async () => (await import('./fidelity.js')).run(),
};
