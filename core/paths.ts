/**
 * ZooKeeper path rules (src: `common.PathUtils`, 3.8) and small path helpers.
 *
 * `validatePath` is the full client-side rule set of §1.1 with Java's message texts. The *server* applies different,
 * per-operation subsets of it (§1.2); those live in txn.ts (writes) and datatree.ts (reads), which use the
 * predicates exported here.
 */

/** The four nodes the server refuses to delete (src: `DataTree.isSpecialPath`). */
export const ROOT = '/';
export const ZOOKEEPER = '/zookeeper';
export const QUOTA = '/zookeeper/quota';
export const CONFIG = '/zookeeper/config';
export const SPECIAL_PATHS: readonly string[] = [ROOT, ZOOKEEPER, QUOTA, CONFIG];

export function isSpecialPath(path: string): boolean {
  return path === ROOT || path === ZOOKEEPER || path === QUOTA || path === CONFIG;
}

/**
 * Why `path` is not a valid ZooKeeper path, as the Java client's IllegalArgumentException message, or null when it
 * is valid. Checks run in PathUtils' order; character checks are per UTF-16 code unit, so any surrogate (every
 * character outside the BMP) is "invalid character". With `isSequential`, `path + "1"` is validated (so "/q/" is
 * a valid sequential prefix).
 */
export function validatePath(path: string | null | undefined, isSequential = false): string | null {
  if (path === null || path === undefined) return 'Path cannot be null';
  if (isSequential) return validatePath(path + '1');
  if (path.length === 0) return 'Path length must be > 0';
  if (path.charCodeAt(0) !== 0x2f) return 'Path must start with / character';
  if (path.length === 1) return null; // the root
  if (path.charCodeAt(path.length - 1) === 0x2f) return 'Path must not end with / character';
  const reason = scan(path);
  return reason === null ? null : `Invalid path string "${path}" caused by ${reason}`;
}

/** True when `validatePath` accepts `path`. */
export function isValidPath(path: string, isSequential = false): boolean {
  // validatePath's checks without its messages (the server validates every write's path)
  if (isSequential) return isValidPath(path + '1');
  const n = path.length;
  if (n === 0 || path.charCodeAt(0) !== 0x2f) return false;
  if (n === 1) return true;
  return path.charCodeAt(n - 1) !== 0x2f && scanIndex(path) < 0;
}

/** Why scan stopped (its result is index * 4 + one of these; -1 when the path is fine). */
const NUL_CHAR = 0, EMPTY_NAME = 1, RELATIVE = 2, INVALID_CHAR = 3;

/**
 * The character scan of PathUtils, kept structurally identical to the Java loop (including its quirk that the
 * ".." test looks at the char two back, and that a "." following "." skips the single-dot test).
 */
function scan(path: string): string | null {
  const r = scanIndex(path);
  if (r < 0) return null;
  const i = r >> 2;
  switch (r & 3) {
    case NUL_CHAR: return `null character not allowed @${i}`;
    case EMPTY_NAME: return `empty node name specified @${i}`;
    case RELATIVE: return `relative paths not allowed @${i}`;
    default: return `invalid character @${i}`;
  }
}

/**
 * scan's loop; the reason as a number, so that no message is built inside it (V8 hoisted the `@${i}` of the
 * messages above every check: a number-to-string conversion per character of every path).
 */
function scanIndex(path: string): number {
  const n = path.length;
  let last = 0x2f;
  for (let i = 1; i < n; last = path.charCodeAt(i), i++) {
    const c = path.charCodeAt(i);
    if (c >= 0x30 && c <= 0x7e) continue; // digits, letters, most ASCII punctuation: none of the tests below apply
    if (c === 0) return i * 4 + NUL_CHAR;
    if (c === 0x2f && last === 0x2f) return i * 4 + EMPTY_NAME;
    if (c === 0x2e && last === 0x2e) {
      if (path.charCodeAt(i - 2) === 0x2f && (i + 1 === n || path.charCodeAt(i + 1) === 0x2f)) {
        return i * 4 + RELATIVE;
      }
    } else if (c === 0x2e) {
      if (path.charCodeAt(i - 1) === 0x2f && (i + 1 === n || path.charCodeAt(i + 1) === 0x2f)) {
        return i * 4 + RELATIVE;
      }
    } else if (
      (c > 0x0000 && c <= 0x001f) ||
      (c >= 0x007f && c <= 0x009f) ||
      (c >= 0xd800 && c <= 0xf8ff) ||
      (c >= 0xfff0 && c <= 0xffff)
    ) {
      return i * 4 + INVALID_CHAR;
    }
  }
  return -1;
}

/**
 * The *textual* parent the server uses: everything before the last "/" ("" for children of the root, which the
 * server's node map aliases to "/"). Returns null when there is no "/" at all. Not normalised on purpose:
 * create of "/b//a" looks up parent "/b/" and gets NONODE, exactly like ZooKeeper.
 */
export function rawParent(path: string): string | null {
  const i = path.lastIndexOf('/');
  return i < 0 ? null : path.slice(0, i);
}

/** Parent of a valid non-root path, with the root spelled "/" (for watch events and display). */
export function parentPath(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** Last component of a path ("" for the root). */
export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Join a parent path and a child name. */
export function joinPath(parent: string, child: string): string {
  return parent === '/' || parent === '' ? `/${child}` : `${parent}/${child}`;
}

/**
 * Java's `String.format("%010d", n)` for a signed 32-bit counter: zero-padded to 10 characters including the sign
 * ("-000000005"), wider numbers unpadded ("-2147483648").
 */
export function sequenceSuffix(counter: number): string {
  const n = counter | 0;
  if (n >= 0) return String(n).padStart(10, '0');
  return '-' + String(-n).padStart(9, '0');
}

/** The counter a sequential node's name ends with (its last 10 characters, as sequenceSuffix wrote them). */
export function sequenceNumber(name: string): number {
  return Number(name.slice(-10));
}

/** True for path === ancestor or a descendant of it (for recursive watches). */
export function isSelfOrDescendant(path: string, ancestor: string): boolean {
  if (ancestor === '/') return path.startsWith('/');
  return path === ancestor || path.startsWith(ancestor + '/');
}
