/**
 * Standard base64 with padding (java.util.Base64.getEncoder's alphabet), without Buffer: core/ stays platform-free.
 * Snapshot nodes keep their data as base64 (core/txn.ts encodeData), a txn's data is written out as base64
 * (TxnBytes.toJSON), and the `digest` auth scheme's ids end in one (core/acl.ts).
 */

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INV = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_INV[B64.charCodeAt(i)] = i;

/** B64 as character codes, for building strings with String.fromCharCode. */
const B64_CODES = Uint16Array.from(B64, (c) => c.charCodeAt(0));
/** Bytes per String.fromCharCode call (its argument count is limited); a multiple of 3, so only the last pads. */
const ENCODE_CHUNK = 6144;

/**
 * Base64 of the bytes. Built from character codes, not by `+=`: concatenation yields a rope (cons string) whose
 * every later comparison or Map lookup goes through V8's slow path; small data (one chunk) gives a flat string.
 */
export function encodeBase64(data: Uint8Array): string {
  let out = '';
  for (let from = 0; from < data.length; from += ENCODE_CHUNK) out += encodeChunk(data, from, Math.min(data.length, from + ENCODE_CHUNK));
  return out;
}

function encodeChunk(data: Uint8Array, from: number, to: number): string {
  // a fresh array of exactly the output length: the fastest argument list for fromCharCode.apply
  const codes: number[] = new Array(Math.ceil((to - from) / 3) * 4);
  let i = from;
  let j = 0;
  for (; i + 2 < to; i += 3, j += 4) {
    const v = (data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!;
    codes[j] = B64_CODES[v >> 18]!;
    codes[j + 1] = B64_CODES[(v >> 12) & 63]!;
    codes[j + 2] = B64_CODES[(v >> 6) & 63]!;
    codes[j + 3] = B64_CODES[v & 63]!;
  }
  if (i < to) {
    // one or two bytes left: "xx==" or "xxx="
    const v = (data[i]! << 16) | (i + 1 < to ? data[i + 1]! << 8 : 0);
    codes[j] = B64_CODES[v >> 18]!;
    codes[j + 1] = B64_CODES[(v >> 12) & 63]!;
    codes[j + 2] = i + 1 < to ? B64_CODES[(v >> 6) & 63]! : 61; /* = */
    codes[j + 3] = 61;
  }
  return String.fromCharCode.apply(null, codes);
}

/** The bytes of a base64 text (padding optional); throws on a character outside the alphabet. */
export function decodeBase64(s: string): Uint8Array {
  let len = s.length;
  while (len > 0 && s.charCodeAt(len - 1) === 61 /* = */) len--;
  const out = new Uint8Array((len * 3) >> 2);
  let acc = 0, bits = 0, j = 0;
  for (let i = 0; i < len; i++) {
    const v = B64_INV[s.charCodeAt(i)] ?? -1;
    if (v < 0) throw new Error(`bad base64 at ${i}`);
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) { bits -= 8; out[j++] = (acc >> bits) & 0xff; }
  }
  return out;
}
