/**
 * ACLs as Apache ZooKeeper 3.8.0 checks them (src: ZooDefs, ZooKeeperServer.checkACL, PrepRequestProcessor.fixupACL,
 * DigestAuthenticationProvider, IPAuthenticationProvider, ProviderRegistry). Pure functions, no dependencies.
 *
 * - A znode holds a list of ACL entries {perms, scheme, id}. perms: READ 1, WRITE 2, CREATE 4, DELETE 8, ADMIN 16.
 * - A connection holds the ids it is authenticated as: always `ip:<client address>` (added when the server accepts the
 *   connection), plus `digest:user:base64(sha1("user:password"))` for every successful addAuth("digest", ...).
 *   In the simulation every client's address is 127.0.0.1: the simulated clients and servers are processes of one
 *   host, and the golden transcripts are recorded with every client on the loopback address, so the `ip` id a real
 *   3.8.0 server gives them is `ip:127.0.0.1` too.
 * - The server knows two schemes (ProviderRegistry with no zookeeper.authProvider.* properties): `ip` and `digest`.
 *   `world:anyone` and `auth` are handled by name in fixupACL/checkACL; any other scheme (also `world` with another
 *   id, and `super`) is unknown: INVALIDACL in an ACL, AUTHFAILED in addAuth. No super user (superDigest unset).
 */

import { encodeBase64 } from './base64.js';

/** ZooDefs.Perms. */
export const Perms = { READ: 1, WRITE: 2, CREATE: 4, DELETE: 8, ADMIN: 16, ALL: 31 } as const;

/** One ACL entry (Java ACL(perms, Id(scheme, id)), flattened). */
export interface ACL {
  readonly perms: number;
  readonly scheme: string;
  readonly id: string;
}

/** An authenticated identity (Java Id). */
export interface Id {
  readonly scheme: string;
  readonly id: string;
}

/** ZooDefs.Ids.OPEN_ACL_UNSAFE: world:anyone, all permissions. One shared, frozen array: nodes and txns refer to it. */
export const OPEN_ACL_UNSAFE: readonly ACL[] = Object.freeze([Object.freeze({ perms: Perms.ALL, scheme: 'world', id: 'anyone' })]);
/** ZooDefs.Ids.READ_ACL_UNSAFE: world:anyone, READ (the ACL of /zookeeper/config). */
export const READ_ACL_UNSAFE: readonly ACL[] = Object.freeze([Object.freeze({ perms: Perms.READ, scheme: 'world', id: 'anyone' })]);
/** ZooDefs.Ids.CREATOR_ALL_ACL: auth (the creator's authenticated ids), all permissions. */
export const CREATOR_ALL_ACL: readonly ACL[] = Object.freeze([Object.freeze({ perms: Perms.ALL, scheme: 'auth', id: '' })]);

/** ZooDefs.Ids, as one object (the Java names). */
export const Ids = Object.freeze({
  OPEN_ACL_UNSAFE,
  READ_ACL_UNSAFE,
  CREATOR_ALL_ACL,
  ANYONE_ID_UNSAFE: Object.freeze({ scheme: 'world', id: 'anyone' }) as Id,
  AUTH_IDS: Object.freeze({ scheme: 'auth', id: '' }) as Id,
});

/** The `ip` id of every simulated client connection (see above). */
export const CLIENT_IP = '127.0.0.1';
export const CLIENT_IP_ID: Id = Object.freeze({ scheme: 'ip', id: CLIENT_IP });
/** The ids of a connection that never called addAuth. */
export const DEFAULT_AUTH: readonly Id[] = Object.freeze([CLIENT_IP_ID]);

/** One entry of a whoAmI reply (Java org.apache.zookeeper.data.ClientInfo: authScheme, user). */
export interface ClientInfo {
  readonly authScheme: string;
  readonly user: string;
}

/**
 * AuthUtil.getClientInfos (3.8.0), what whoAmI answers: one entry per id of the connection, in the order the server
 * holds them (authInfoOrder). The user is the scheme's provider's getUserName(id): `ip` has the default (the id
 * itself, "127.0.0.1"), `digest` takes id.split(":")[0] (the text before the first ':', the user name without the
 * hash). A scheme without a provider would give "" (not reachable: a connection only ever holds ip and digest ids).
 */
export function clientInfos(ids: readonly Id[]): ClientInfo[] {
  const out: ClientInfo[] = [];
  for (const u of authInfoOrder(ids)) {
    let user = '';
    if (u.scheme === 'digest') {
      const i = u.id.indexOf(':');
      user = i < 0 ? u.id : u.id.slice(0, i);
    } else if (u.scheme === 'ip') user = u.id;
    out.push({ authScheme: u.scheme, user });
  }
  return out;
}

/** Java String.hashCode: s[0]*31^(n-1) + ... + s[n-1] over UTF-16 units, in 32-bit arithmetic. */
function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** Id.hashCode (jute-generated): 37 * (37 * 17 + scheme.hashCode()) + id.hashCode(), in 32-bit arithmetic. */
function idHash(u: Id): number {
  return (Math.imul(37, (Math.imul(37, 17) + javaStringHash(u.scheme)) | 0) + javaStringHash(u.id)) | 0;
}

interface Slot {
  readonly h: number;
  readonly id: Id;
}

/**
 * The order a 3.8.0 server lists a connection's ids in (ServerCnxn.getAuthInfo: new ArrayList(authInfo), where
 * authInfo is Collections.newSetFromMap(new ConcurrentHashMap())): the map's iteration order, given the ids in the
 * order they were added (`ids`, ip first: it is added when the connection is accepted). Replays, single-threaded,
 * what ConcurrentHashMap does: a 16-bin table, bin = spread(hash) & (n - 1) with spread(h) = (h ^ h >>> 16) &
 * 0x7fffffff, a new key appended to its bin's list; doubled when the count reaches 3/4 of the bins (addCount), or
 * presized when a bin already held 8 keys in a table under 64 bins (treeifyBin → tryPresize); a doubling splits each
 * bin by the hash bit n (transfer: the nodes before the bin's last run of equal bits reversed, then that run). So the
 * order is by bin, then by arrival within a bin: e.g. digest "alice" comes before ip 127.0.0.1. Not replayed: a bin
 * turned into a tree (9+ keys in one bin of a 64+ table; its later keys would be put first) — dozens of addAuths.
 */
export function authInfoOrder(ids: readonly Id[]): readonly Id[] {
  if (ids.length <= 1) return ids;
  let n = 16;
  let sizeCtl = 12;
  let tab: Slot[][] = [];
  for (let i = 0; i < n; i++) tab.push([]);
  const transfer = (): void => {
    const next: Slot[][] = [];
    for (let i = 0; i < 2 * n; i++) next.push([]);
    for (let i = 0; i < n; i++) {
      const bin = tab[i]!;
      if (bin.length === 0) continue;
      let runBit = bin[0]!.h & n;
      let lastRun = 0;
      for (let j = 1; j < bin.length; j++) {
        const b = bin[j]!.h & n;
        if (b !== runBit) {
          runBit = b;
          lastRun = j;
        }
      }
      const lo: Slot[] = [];
      const hi: Slot[] = [];
      // the nodes before lastRun are prepended one by one (new Node(..., ln)): reversed
      for (let j = lastRun - 1; j >= 0; j--) ((bin[j]!.h & n) === 0 ? lo : hi).push(bin[j]!);
      for (let j = lastRun; j < bin.length; j++) (runBit === 0 ? lo : hi).push(bin[j]!);
      next[i] = lo;
      next[i + n] = hi;
    }
    tab = next;
    n *= 2;
    sizeCtl = n - (n >>> 2);
  };
  let count = 0;
  for (const id of ids) {
    const raw = idHash(id);
    const h = (raw ^ (raw >>> 16)) & 0x7fffffff;
    const bin = tab[h & (n - 1)]!;
    if (bin.some((s) => s.id.scheme === id.scheme && s.id.id === id.id)) continue;
    const binCount = bin.length;
    bin.push({ h, id });
    if (binCount >= 8 && n < 64) {
      // tryPresize(n << 1): doubles until the wanted capacity tableSizeFor(size + size/2 + 1) is <= sizeCtl
      const size = n << 1;
      let c = 1;
      while (c < size + (size >>> 1) + 1) c *= 2;
      while (c > sizeCtl) transfer();
    }
    count++;
    while (count >= sizeCtl) transfer();
  }
  const out: Id[] = [];
  for (const bin of tab) for (const s of bin) out.push(s.id);
  return out;
}

/** A list holding one world:anyone entry with `perms`: the shared constant for ALL and READ, else a new one. */
export function worldAcl(perms: number): readonly ACL[] {
  if (perms === Perms.ALL) return OPEN_ACL_UNSAFE;
  if (perms === Perms.READ) return READ_ACL_UNSAFE;
  return [{ perms, scheme: 'world', id: 'anyone' }];
}

/** The perms of a list that is exactly one world:anyone entry, else -1 (the digest and snapshots keep those short). */
export function worldPermsOf(acl: readonly ACL[]): number {
  if (acl === OPEN_ACL_UNSAFE) return Perms.ALL;
  if (acl.length !== 1) return -1;
  const a = acl[0]!;
  return a.scheme === 'world' && a.id === 'anyone' ? a.perms : -1;
}

/**
 * ZooKeeperServer.checkACL: does `ids` hold `perm` on a node with `acl`? An empty list allows everything; a `super`
 * id everything; otherwise some entry with one of the `perm` bits must be world:anyone or match one of the ids of its
 * scheme (digest: equal; ip: address within the entry's address/bits).
 */
export function aclAllows(acl: readonly ACL[], perm: number, ids: readonly Id[]): boolean {
  // the common case first: one world:anyone entry
  if (acl === OPEN_ACL_UNSAFE) return true;
  if (acl.length === 0) return true;
  for (let i = 0; i < ids.length; i++) if (ids[i]!.scheme === 'super') return true;
  for (let i = 0; i < acl.length; i++) {
    const a = acl[i]!;
    if ((a.perms & perm) === 0) continue;
    if (a.scheme === 'world' && a.id === 'anyone') return true;
    if (a.scheme !== 'digest' && a.scheme !== 'ip') continue; // no provider
    for (let j = 0; j < ids.length; j++) {
      const u = ids[j]!;
      if (u.scheme !== a.scheme) continue;
      if (a.scheme === 'digest' ? u.id === a.id : ipMatches(u.id, a.id)) return true;
    }
  }
  return false;
}

/**
 * PrepRequestProcessor.fixupACL: duplicates removed; empty → INVALIDACL (null returned); world:anyone kept; `auth`
 * replaced by one entry per authenticated id of the caller whose provider says isAuthenticated (digest yes, ip no),
 * none → INVALIDACL; any other entry kept if its scheme has a provider that accepts the id (isValid), else INVALIDACL.
 */
export function fixupAcl(acl: readonly ACL[], ids: readonly Id[]): readonly ACL[] | null {
  if (acl === OPEN_ACL_UNSAFE) return acl;
  const uniq: ACL[] = [];
  for (const a of acl) if (!uniq.some((u) => u.perms === a.perms && u.scheme === a.scheme && u.id === a.id)) uniq.push(a);
  if (uniq.length === 0) return null;
  const out: ACL[] = [];
  for (const a of uniq) {
    if (a.scheme === 'world' && a.id === 'anyone') {
      out.push(a);
    } else if (a.scheme === 'auth') {
      let any = false;
      // the caller's ids in the order the server holds them (authInfoOrder), as Java iterates request.authInfo
      for (const u of authInfoOrder(ids)) {
        if (u.scheme === 'digest') {
          any = true;
          out.push({ perms: a.perms, scheme: u.scheme, id: u.id });
        }
      }
      if (!any) return null;
    } else if (a.scheme === 'digest' ? digestIdValid(a.id) : a.scheme === 'ip' ? ipIdValid(a.id) : false) {
      out.push(a);
    } else {
      return null;
    }
  }
  // a list equal to OPEN_ACL_UNSAFE becomes the shared constant (so txns and snapshots stay short)
  return worldPermsOf(out) === Perms.ALL ? OPEN_ACL_UNSAFE : out;
}

/** FinalRequestProcessor getACL without ADMIN: every digest id becomes "user:x" (Java replaceAll(":.*", ":x")). */
export function maskDigests(acl: readonly ACL[]): ACL[] {
  return acl.map((a) => (a.scheme === 'digest' ? { perms: a.perms, scheme: a.scheme, id: maskDigest(a.id) } : { ...a }));
}

function maskDigest(id: string): string {
  // ":.*" in Java: from the first ':' to the end of the line (. does not match line terminators), repeated per line
  return id.replace(/:[^\n\r\u0085\u2028\u2029]*/g, ':x');
}

// ---------------------------------------------------------------------------------------------------------------
// digest scheme (DigestAuthenticationProvider)

/** isValid: Java id.split(":") gives exactly two parts (trailing empty strings dropped: "u:" is invalid). */
export function digestIdValid(id: string): boolean {
  return javaSplit(id, ':').length === 2;
}

/**
 * addAuth("digest", "user:password") → the id "user:" + base64(sha1("user:password" as UTF-8)) (generateDigest:
 * the user is the text before the first ':'; the digest covers the whole text).
 */
export function digestOf(idPassword: string): string {
  const i = idPassword.indexOf(':');
  const user = i < 0 ? idPassword : idPassword.slice(0, i);
  return `${user}:${encodeBase64(sha1(utf8(idPassword)))}`;
}

/** The auth packet's bytes as the server reads them (new String(authData): UTF-8). */
export function authText(auth: Uint8Array): string {
  return new TextDecoder().decode(auth);
}

// ---------------------------------------------------------------------------------------------------------------
// ip scheme (IPAuthenticationProvider, 3.8.0: IPv4 only, v6 is a TODO there)

/** v4addr2Bytes: four dot-separated Integer.parseInt values in 0..255, else null. */
function v4Bytes(addr: string): number[] | null {
  const parts = addr.split('.');
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^[+-]?[0-9]+$/.test(p)) return null;
    const v = Number(p);
    if (!(v >= 0 && v <= 255)) return null;
    out.push(v);
  }
  return out;
}

/** isValid: an IPv4 address, optionally "/bits" with 0 <= bits <= 32. */
export function ipIdValid(id: string): boolean {
  const slash = id.indexOf('/');
  const addr = slash < 0 ? id : id.slice(0, slash);
  if (v4Bytes(addr) === null) return false;
  if (slash < 0) return true;
  const bits = parseJavaInt(id.slice(slash + 1));
  return bits !== null && bits >= 0 && bits <= 32;
}

/** matches(client address, ACL expression "a.b.c.d[/bits]"). */
export function ipMatches(clientAddr: string, expr: string): boolean {
  const slash = expr.indexOf('/');
  const acl = v4Bytes(slash < 0 ? expr : expr.slice(0, slash));
  if (acl === null) return false;
  let bits = 32;
  if (slash >= 0) {
    const b = parseJavaInt(expr.slice(slash + 1));
    if (b === null || b < 0 || b > 32) return false;
    bits = b;
  }
  const remote = v4Bytes(clientAddr);
  if (remote === null) return false;
  for (let i = 0; i < 4; i++) {
    const keep = Math.max(0, Math.min(8, bits - 8 * i));
    const mask = keep === 0 ? 0 : (0xff << (8 - keep)) & 0xff;
    if ((acl[i]! & mask) !== (remote[i]! & mask)) return false;
  }
  return true;
}

function parseJavaInt(s: string): number | null {
  if (!/^[+-]?[0-9]+$/.test(s)) return null;
  const v = Number(s);
  return v >= -2147483648 && v <= 2147483647 ? v : null;
}

/** Java String.split(sep) for a one-character, non-regex-special separator: trailing empty strings removed. */
function javaSplit(s: string, sep: string): string[] {
  const parts = s.split(sep);
  while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  // Java: splitting "" gives [""]; a string of only separators gives [] (every part empty and trailing)
  if (parts.length === 1 && parts[0] === '' && s.length > 0) return [];
  return parts;
}

// ---------------------------------------------------------------------------------------------------------------
// SHA-1 (FIPS 180-4): small and pure, so that core/ needs no platform crypto

function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

export function sha1(msg: Uint8Array): Uint8Array {
  const len = msg.length;
  const words = ((len + 8) >> 6) + 1; // 64-byte blocks
  const w = new Uint32Array(words * 16);
  for (let i = 0; i < len; i++) w[i >> 2]! |= msg[i]! << (24 - (i & 3) * 8);
  w[len >> 2]! |= 0x80 << (24 - (len & 3) * 8);
  // message length in bits, as a 64-bit big-endian number in the last two words
  w[words * 16 - 2] = Math.floor((len * 8) / 4294967296);
  w[words * 16 - 1] = (len * 8) >>> 0;
  let h0 = 0x67452301, h1 = 0xefcdab89, h2 = 0x98badcfe, h3 = 0x10325476, h4 = 0xc3d2e1f0;
  const x = new Int32Array(80);
  for (let b = 0; b < words; b++) {
    for (let t = 0; t < 16; t++) x[t] = w[b * 16 + t]!;
    for (let t = 16; t < 80; t++) {
      const v = x[t - 3]! ^ x[t - 8]! ^ x[t - 14]! ^ x[t - 16]!;
      x[t] = (v << 1) | (v >>> 31);
    }
    let a = h0, bb = h1, c = h2, d = h3, e = h4;
    for (let t = 0; t < 80; t++) {
      let f: number, k: number;
      if (t < 20) { f = (bb & c) | (~bb & d); k = 0x5a827999; }
      else if (t < 40) { f = bb ^ c ^ d; k = 0x6ed9eba1; }
      else if (t < 60) { f = (bb & c) | (bb & d) | (c & d); k = 0x8f1bbcdc; }
      else { f = bb ^ c ^ d; k = 0xca62c1d6; }
      const tmp = (((a << 5) | (a >>> 27)) + f + e + k + x[t]!) | 0;
      e = d;
      d = c;
      c = (bb << 30) | (bb >>> 2);
      bb = a;
      a = tmp;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + bb) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
  }
  const out = new Uint8Array(20);
  [h0, h1, h2, h3, h4].forEach((h, i) => {
    out[i * 4] = (h >>> 24) & 0xff;
    out[i * 4 + 1] = (h >>> 16) & 0xff;
    out[i * 4 + 2] = (h >>> 8) & 0xff;
    out[i * 4 + 3] = h & 0xff;
  });
  return out;
}

