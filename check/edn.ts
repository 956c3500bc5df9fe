/**
 * A small EDN reader and writer, enough for Jepsen histories: nil, booleans, integers, floats, strings, keywords,
 * symbols, vectors, lists, maps and sets. Keywords read as `Keyword` objects so that `:ok` and `"ok"` stay distinct;
 * maps read as `Map<unknown, unknown>` keyed by the keyword name when the key is a keyword (`"process"`), else by the
 * value itself.
 */

export class Keyword {
  constructor(readonly name: string) {}
  toString(): string {
    return `:${this.name}`;
  }
}
export class EdnSymbol {
  constructor(readonly name: string) {}
}

/** Where reading failed: the character offset and what was expected there. */
export class EdnSyntaxError extends Error {
  constructor(readonly offset: number, readonly expected: string, readonly found: string) {
    super(`expected ${expected}, found ${found}`);
  }
}

export type EdnValue = null | boolean | number | string | Keyword | EdnSymbol | EdnValue[] | Map<unknown, EdnValue> | Set<EdnValue>;

const DELIM = new Set([' ', '\t', '\n', '\r', ',', '(', ')', '[', ']', '{', '}', '"', ';']);

export class EdnReader {
  pos = 0;
  constructor(readonly text: string) {}

  private ws(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t[this.pos]!;
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === ',') this.pos++;
      else if (c === ';') {
        while (this.pos < t.length && t[this.pos] !== '\n') this.pos++;
      } else break;
    }
  }
  atEnd(): boolean {
    this.ws();
    return this.pos >= this.text.length;
  }
  private found(): string {
    if (this.pos >= this.text.length) return 'end of line';
    return JSON.stringify(this.text.slice(this.pos, this.pos + 12));
  }
  read(what = 'a value'): EdnValue {
    this.ws();
    const t = this.text;
    if (this.pos >= t.length) throw new EdnSyntaxError(this.pos, what, 'end of line');
    const c = t[this.pos]!;
    if (c === '{') return this.readMap();
    if (c === '[' || c === '(') return this.readSeq(c === '[' ? ']' : ')');
    if (c === '#' && t[this.pos + 1] === '{') {
      this.pos++;
      const items = this.readSeq('}');
      return new Set(items);
    }
    if (c === '"') return this.readString();
    if (c === ']' || c === ')' || c === '}') throw new EdnSyntaxError(this.pos, what, this.found());
    const start = this.pos;
    while (this.pos < t.length && !DELIM.has(t[this.pos]!)) this.pos++;
    const tok = t.slice(start, this.pos);
    if (tok.startsWith(':')) {
      if (tok.length === 1) throw new EdnSyntaxError(start, 'a keyword name', JSON.stringify(tok));
      return new Keyword(tok.slice(1));
    }
    if (tok === 'nil') return null;
    if (tok === 'true') return true;
    if (tok === 'false') return false;
    if (/^[-+]?\d+N?$/.test(tok)) return Number(tok.replace(/N$/, ''));
    if (/^[-+]?(\d+\.\d*|\d*\.\d+|\d+)([eE][-+]?\d+)?M?$/.test(tok)) return Number(tok.replace(/M$/, ''));
    if (/^[A-Za-z*+!\-_?<>=.\/][\w*+!\-_?<>=.\/#:']*$/.test(tok)) return new EdnSymbol(tok);
    this.pos = start;
    throw new EdnSyntaxError(start, what, this.found());
  }
  private readString(): string {
    const t = this.text;
    const start = this.pos;
    this.pos++;
    let out = '';
    while (true) {
      if (this.pos >= t.length) {
        this.pos = start;
        throw new EdnSyntaxError(start, 'a closing \'"\' of the string', 'end of line');
      }
      const c = t[this.pos++]!;
      if (c === '"') return out;
      if (c === '\\') {
        const e = t[this.pos++];
        if (e === 'n') out += '\n';
        else if (e === 't') out += '\t';
        else if (e === 'r') out += '\r';
        else if (e === 'u') {
          out += String.fromCharCode(parseInt(t.slice(this.pos, this.pos + 4), 16));
          this.pos += 4;
        } else out += e ?? '';
      } else out += c;
    }
  }
  private readSeq(close: string): EdnValue[] {
    this.pos++;
    const out: EdnValue[] = [];
    while (true) {
      this.ws();
      if (this.pos >= this.text.length) throw new EdnSyntaxError(this.pos, `a value or '${close}'`, 'end of line');
      if (this.text[this.pos] === close) {
        this.pos++;
        return out;
      }
      out.push(this.read(`a value or '${close}'`));
    }
  }
  private readMap(): Map<unknown, EdnValue> {
    this.pos++;
    const m = new Map<unknown, EdnValue>();
    while (true) {
      this.ws();
      if (this.pos >= this.text.length) throw new EdnSyntaxError(this.pos, "a key or '}'", 'end of line');
      if (this.text[this.pos] === '}') {
        this.pos++;
        return m;
      }
      const k = this.read("a key or '}'");
      const key = k instanceof Keyword ? k.name : k;
      this.ws();
      if (this.pos >= this.text.length || this.text[this.pos] === '}') {
        throw new EdnSyntaxError(this.pos, `a value for key ${k instanceof Keyword ? k.toString() : JSON.stringify(k)}`, this.found());
      }
      m.set(key, this.read(`a value for key ${k instanceof Keyword ? k.toString() : JSON.stringify(k)}`));
    }
  }
}

/** Reads exactly one EDN value from `text` (trailing whitespace allowed). */
export function readEdn(text: string): EdnValue {
  const r = new EdnReader(text);
  const v = r.read();
  if (!r.atEnd()) throw new EdnSyntaxError(r.pos, 'end of line', JSON.stringify(text.slice(r.pos, r.pos + 12)));
  return v;
}

/** Writes plain data as EDN. Strings that look like keywords are NOT turned into keywords: pass Keyword for that. */
export function writeEdn(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'nil';
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof Keyword) return v.toString();
  if (v instanceof EdnSymbol) return v.name;
  if (Array.isArray(v)) return `[${v.map(writeEdn).join(' ')}]`;
  if (v instanceof Set) return `#{${[...v].map(writeEdn).join(' ')}}`;
  if (v instanceof Map) {
    return `{${[...v.entries()].map(([k, x]) => `${typeof k === 'string' ? `:${k}` : writeEdn(k)} ${writeEdn(x)}`).join(', ')}}`;
  }
  if (typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => `${JSON.stringify(k)} ${writeEdn(x)}`)
      .join(', ')}}`;
  }
  return JSON.stringify(String(v));
}

/** Converts an EDN value to plain JSON data (keywords and symbols become their names, maps become objects). */
export function ednToPlain(v: EdnValue): unknown {
  if (v instanceof Keyword || v instanceof EdnSymbol) return v.name;
  if (Array.isArray(v)) return v.map(ednToPlain);
  if (v instanceof Set) return [...v].map(ednToPlain);
  if (v instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v) o[String(k instanceof Keyword ? k.name : k)] = ednToPlain(x);
    return o;
  }
  return v;
}
