/**
 * Kinds of queued world events (small integers keep the hot path monomorphic). A const enum: tsc writes the numbers
 * into the code that uses them; imported `const` bindings were a module-cell load with a hole check at every test
 * of an event's kind.
 */
export const enum EventKind {
  DELIVER = 0,
  ACCEPT = 1,
  CONNECTED = 2,
  CLOSED = 3,
  TIMER = 4,
  SYNCED = 5,
  DRIVER = 6,
  /** TCP retransmission timer of one direction of a connection (network.ts). */
  RTX = 7,
  /** SYN retransmission timer of a connection attempt (network.ts). */
  SYN = 8,
}

/**
 * What happened to a message, for the trace: the number is the value the trace hash takes (World.recordMessage; a
 * SEND is recorded but not hashed, see World.recordSend).
 */
export const enum MsgKind {
  SEND = 1,
  RECV = 2,
  DROP = 3,
}

/** A disk write's op, as the trace hash takes it (World.recordDisk): a number, where the recorded event has the name. */
export const enum DiskOpCode {
  APPEND = 1,
  OVERWRITE = 2,
  TRUNCATE = 3,
  REMOVE = 4,
}
