/** Kinds of queued world events (small integers keep the hot path monomorphic). */
export const K_DELIVER = 0;
export const K_ACCEPT = 1;
export const K_CONNECTED = 2;
export const K_CLOSED = 3;
export const K_TIMER = 4;
export const K_SYNCED = 5;
export const K_DRIVER = 6;
/** TCP retransmission timer of one direction of a connection (network.ts). */
export const K_RTX = 7;
/** SYN retransmission timer of a connection attempt (network.ts). */
export const K_SYN = 8;
