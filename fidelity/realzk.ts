/**
 * Real Apache ZooKeeper (Debian package `zookeeper`, 3.8) as a test fixture: a standalone server or a 3-node
 * loopback ensemble, each server a `java ... QuorumPeerMain zoo.cfg` child process with its own temporary data
 * directory and free ports. Servers are stopped by their process id (SIGTERM, then SIGKILL), never by name.
 *
 * Every started server is also registered in a process-wide set that an exit handler stops, so that a crash of the
 * harness does not leave Java processes behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { makeDirs } from '../files/dirs.js';
import { createServer, connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ZK_JAR = '/usr/share/java/zookeeper.jar';
const LOG_JARS = ['/usr/share/java/slf4j-nop.jar', '/usr/share/java/slf4j-simple.jar'];

/** True when the Debian `zookeeper` package (and a java binary) is installed; ZKSIM_REAL_ZK=0 says no. */
export function realZooKeeperAvailable(): boolean {
  if (process.env.ZKSIM_REAL_ZK === '0') return false; // pretend it is missing (tests of the fallback paths)
  return existsSync(ZK_JAR) && findJava() !== null;
}

function findJava(): string | null {
  const candidates = [process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin/java') : '', '/usr/bin/java'];
  for (const c of candidates) if (c && existsSync(c)) return c;
  return null;
}

/** Asks the OS for a free loopback port (bind to port 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Distinct free ports (probed one by one, kept distinct from each other). */
export async function freePorts(n: number): Promise<number[]> {
  const out: number[] = [];
  while (out.length < n) {
    const p = await freePort();
    if (!out.includes(p)) out.push(p);
  }
  return out;
}

/** Sends a four-letter-word command and returns the whole answer ('' if the port does not answer in time). */
export function fourLetter(port: number, cmd: string, timeoutMs = 1000, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(out);
    };
    const sock = netConnect({ host, port }, () => sock.write(cmd));
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => (out += d));
    sock.on('end', finish);
    sock.on('close', finish);
    sock.on('error', finish);
    const timer = setTimeout(finish, timeoutMs);
  });
}

export type ServerMode = 'standalone' | 'leader' | 'follower' | 'observer';

/** `srvr` fields the harness uses. */
export async function srvr(port: number, host = '127.0.0.1'): Promise<{ mode: ServerMode; zxid: number } | null> {
  const text = await fourLetter(port, 'srvr', 1000, host);
  const mode = /^Mode: (\w+)/m.exec(text)?.[1];
  const zxid = /^Zxid: (0x[0-9a-fA-F]+)/m.exec(text)?.[1];
  if (!mode || !zxid) return null;
  return { mode: mode as ServerMode, zxid: Number(BigInt(zxid)) };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface RealServer {
  /** 1-based server id (myid); 1 for standalone. */
  sid: number;
  clientPort: number;
  dir: string;
  proc: ChildProcess;
  pid: number;
}

const running = new Set<RealServer>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = (): void => {
    for (const s of running) {
      try {
        process.kill(s.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    running.clear();
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      killAll();
      process.exit(130);
    });
  }
}

export interface EnsembleOptions {
  /** 1 = standalone (no server.N lines), 3 = loopback ensemble. */
  servers: number;
  tickTime?: number;
  /** Extra JVM system properties (-Dkey=value). */
  jvmProps?: Record<string, string>;
  /** ms to wait for every server to report a Mode (default 30 s). */
  startTimeoutMs?: number;
  /** For ensembles: restart until the server with the highest id is the leader (default true), see `start`. */
  requireHighestLeader?: boolean;
  /** 4lw.commands.whitelist (default '*'; the harness needs srvr, and dump for a fast `expire`). */
  fourLetterWhitelist?: string;
}

/**
 * A running real ZooKeeper: standalone (1 server) or an ensemble. Index i in `servers` is transcript server index i
 * (myid i+1). Always call stop() (in a finally).
 */
export class RealEnsemble {
  servers: RealServer[] = [];
  private root = '';
  private constructor(private readonly opts: EnsembleOptions) {}

  /**
   * Starts the servers and waits until each answers `srvr` with a Mode line. For an ensemble it also waits until
   * exactly one leader is known and, unless requireHighestLeader is false, restarts (up to 3 times) until the leader
   * is the server with the highest id (index servers-1) — what Fast Leader Election picks when all servers start
   * together, so that transcripts see the same roles on every run.
   */
  static async start(opts: EnsembleOptions): Promise<RealEnsemble> {
    if (!realZooKeeperAvailable()) throw new Error(`real ZooKeeper not installed (${ZK_JAR} missing; apt-get install -y zookeeper)`);
    installExitHook();
    const requireHighest = opts.requireHighestLeader ?? true;
    let lastErr: unknown;
    for (let attempt = 0; attempt < 4; attempt++) {
      const ens = new RealEnsemble(opts);
      try {
        await ens.launch();
        if (opts.servers > 1 && requireHighest) {
          const modes = await ens.modes();
          if (modes[opts.servers - 1] !== 'leader') {
            lastErr = new Error(`leader is not server ${opts.servers - 1}: ${modes.join(',')}`);
            await ens.stop();
            continue;
          }
        }
        return ens;
      } catch (err) {
        lastErr = err;
        await ens.stop();
      }
    }
    throw lastErr instanceof Error ? lastErr : new Error(String(lastErr));
  }

  private async launch(): Promise<void> {
    const n = this.opts.servers;
    const java = findJava();
    if (!java) throw new Error('java not found');
    this.root = mkdtempSync(join(tmpdir(), 'zksim-realzk-'));
    const ports = await freePorts(n * 3);
    const clientPorts = ports.slice(0, n);
    const quorumLines: string[] = [];
    if (n > 1) {
      for (let i = 0; i < n; i++) quorumLines.push(`server.${i + 1}=127.0.0.1:${ports[n + i]}:${ports[2 * n + i]}`);
    }
    const logJar = LOG_JARS.find((j) => existsSync(j));
    const cp = [ZK_JAR, ...(logJar ? [logJar] : [])].join(':');
    const props = { 'zookeeper.admin.enableServer': 'false', ...(this.opts.jvmProps ?? {}) };
    for (let i = 0; i < n; i++) {
      const dir = join(this.root, `s${i + 1}`);
      makeDirs(join(dir, 'data'));
      const cfg = [
        `tickTime=${this.opts.tickTime ?? 2000}`,
        'initLimit=10',
        'syncLimit=5',
        `dataDir=${join(dir, 'data')}`,
        `clientPort=${clientPorts[i]}`,
        'clientPortAddress=127.0.0.1',
        'maxClientCnxns=0',
        'admin.enableServer=false',
        `4lw.commands.whitelist=${this.opts.fourLetterWhitelist ?? '*'}`,
        ...quorumLines,
      ];
      writeFileSync(join(dir, 'zoo.cfg'), cfg.join('\n') + '\n');
      if (n > 1) writeFileSync(join(dir, 'data', 'myid'), `${i + 1}\n`);
      const logFd = openSync(join(dir, 'server.log'), 'a');
      const args = [
        '-Xmx256m',
        ...Object.entries(props).map(([k, v]) => `-D${k}=${v}`),
        '-cp',
        cp,
        'org.apache.zookeeper.server.quorum.QuorumPeerMain',
        join(dir, 'zoo.cfg'),
      ];
      const proc = spawn(java, args, { stdio: ['ignore', logFd, logFd], detached: false });
      closeSync(logFd);
      if (proc.pid === undefined) throw new Error('could not start java');
      const server: RealServer = { sid: i + 1, clientPort: clientPorts[i]!, dir, proc, pid: proc.pid };
      proc.on('exit', () => running.delete(server));
      running.add(server);
      this.servers.push(server);
    }
    const deadline = Date.now() + (this.opts.startTimeoutMs ?? 30000);
    for (;;) {
      const modes = await this.modes();
      const ready = modes.every((m) => m !== null);
      const leaders = modes.filter((m) => m === 'leader' || m === 'standalone').length;
      if (ready && leaders === 1) return;
      for (const s of this.servers) {
        if (s.proc.exitCode !== null) throw new Error(`server ${s.sid} exited with ${s.proc.exitCode} (log: ${s.dir}/server.log)`);
      }
      if (Date.now() > deadline) throw new Error(`real ZooKeeper did not become ready: modes ${modes.join(',')}`);
      await sleep(50);
    }
  }

  /** Mode of each server (null when it does not answer). */
  async modes(): Promise<(ServerMode | null)[]> {
    return Promise.all(this.servers.map(async (s) => (await srvr(s.clientPort))?.mode ?? null));
  }

  /** host:port of each server, in index order. */
  get connectStrings(): string[] {
    return this.servers.map((s) => `127.0.0.1:${s.clientPort}`);
  }

  /** Index of the leader (standalone: 0). */
  async leaderIndex(): Promise<number> {
    const modes = await this.modes();
    const i = modes.findIndex((m) => m === 'leader' || m === 'standalone');
    return i < 0 ? 0 : i;
  }

  /** Stops every server by its process id: SIGTERM, then SIGKILL after graceMs. Removes the data directories. */
  async stop(graceMs = 3000): Promise<void> {
    await Promise.all(this.servers.map((s) => stopServer(s, graceMs)));
    this.servers = [];
    if (this.root) {
      try {
        rmSync(this.root, { recursive: true, force: true });
      } catch {
        /* best effort */
      }
    }
  }
}

async function stopServer(s: RealServer, graceMs: number): Promise<void> {
  if (s.proc.exitCode !== null || s.proc.signalCode !== null) {
    running.delete(s);
    return;
  }
  const exited = new Promise<void>((r) => s.proc.once('exit', () => r()));
  try {
    process.kill(s.pid, 'SIGTERM');
  } catch {
    running.delete(s);
    return;
  }
  const t = setTimeout(() => {
    try {
      process.kill(s.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }, graceMs);
  await exited;
  clearTimeout(t);
  running.delete(s);
}
