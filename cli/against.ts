import { UsageError } from './errors.js';
import { checkReachable, parseAddresses } from '../fidelity/targets.js';

/** `--against host:port,...`: the parsed addresses, or bad input (exit 2) if malformed or unreachable. */
export async function reachableAddresses(against: string): Promise<string[]> {
  let addresses: string[];
  try {
    addresses = parseAddresses(against);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const why = await checkReachable(addresses);
  if (why) throw new UsageError(why);
  return addresses;
}
