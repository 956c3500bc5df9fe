/**
 * TranscriptTarget registry: "zksim" (fidelity/simtarget.ts) and "real" (a live ZooKeeper at given addresses, or
 * one this process starts).
 */
import type { TranscriptTarget } from './runner.js';
import { RealTarget } from './realtarget.js';
import { RealEnsemble, srvr } from './realzk.js';
import { createSimTarget } from './simtarget.js';
import { serverJvmProps, type SuiteServerOptions } from './suite.js';

export interface OpenedTarget {
  target: TranscriptTarget;
  /** Stops whatever was started for the target (servers, sessions). */
  close(): Promise<void>;
}

export type TargetSpec =
  | { kind: 'zksim'; servers: number; seed: string; server?: SuiteServerOptions }
  | { kind: 'real'; addresses: string[] }
  | { kind: 'real-local'; servers: number; server?: SuiteServerOptions };

export const targetFactories: Record<TargetSpec['kind'], (spec: never) => Promise<OpenedTarget>> = {
  zksim: async (spec: { servers: number; seed: string; server?: SuiteServerOptions }) => {
    const target = await createSimTarget({ servers: spec.servers, seed: spec.seed, ...(spec.server ? { server: spec.server } : {}) });
    return { target, close: () => target.dispose() };
  },
  real: async (spec: { addresses: string[] }) => {
    const target = new RealTarget({ addresses: spec.addresses, quietMs: 20 });
    return { target, close: () => target.dispose() };
  },
  'real-local': async (spec: { servers: number; server?: SuiteServerOptions }) => {
    const jvmProps = serverJvmProps(spec.server);
    const start = (): Promise<RealEnsemble> => RealEnsemble.start({ servers: spec.servers, ...(Object.keys(jvmProps).length ? { jvmProps } : {}) });
    let ens = await start();
    const target = new RealTarget({
      addresses: ens.connectStrings,
      quietMs: spec.servers > 1 ? 20 : 15,
      restart: async () => {
        await ens.stop();
        ens = await start();
        return ens.connectStrings;
      },
    });
    return {
      target,
      close: async () => {
        try {
          await target.dispose();
        } finally {
          await ens.stop();
        }
      },
    };
  },
};

export async function openTarget(spec: TargetSpec): Promise<OpenedTarget> {
  return (targetFactories[spec.kind] as (s: TargetSpec) => Promise<OpenedTarget>)(spec);
}

/** Parses "host:port,host:port"; throws Error with a one-line reason when malformed. */
export function parseAddresses(s: string): string[] {
  const parts = s.split(',').map((x) => x.trim()).filter(Boolean);
  if (parts.length === 0) throw new Error('--against needs host:port[,host:port...]');
  for (const p of parts) {
    const m = /^([^:]+):(\d+)$/.exec(p);
    if (!m || Number(m[2]) <= 0 || Number(m[2]) > 65535) throw new Error(`bad address '${p}' (expected host:port)`);
  }
  return parts;
}

/** Returns null when every server answers `srvr`, else a one-line reason. */
export async function checkReachable(addresses: string[]): Promise<string | null> {
  for (const a of addresses) {
    const i = a.lastIndexOf(':');
    const s = await srvr(Number(a.slice(i + 1)), a.slice(0, i), );
    if (!s) return `ZooKeeper at ${a} is unreachable (no answer to 'srvr')`;
  }
  return null;
}
