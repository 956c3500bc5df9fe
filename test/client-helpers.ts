/** Helpers of the client tests: a standalone server with two clients, and the error code an operation fails with. */
import * as assert from 'uvu/assert';
import { Cluster } from '../sim/cluster.js';
import { ZkError, type ZooKeeperClient } from '../core/client/index.js';

/** A standalone server and two connected clients, c1 and c2. */
export async function standalone(seed = 1): Promise<{ cl: Cluster; c1: ZooKeeperClient; c2: ZooKeeperClient }> {
  const cl = new Cluster({ seed, servers: 1 });
  const c1 = cl.client('c1');
  const c2 = cl.client('c2');
  assert.ok(await cl.ready(30_000), 'standalone server up and clients connected');
  return { cl, c1, c2 };
}

/** The error code an operation fails with (0 when it succeeds). */
export async function code(cl: Cluster, p: Promise<unknown>): Promise<number> {
  try {
    await cl.run(p);
    return 0;
  } catch (e) {
    assert.ok(e instanceof ZkError, `a ZkError, got ${String(e)}`);
    return (e as ZkError).code;
  }
}
