// Argument checks at the public boundary: wrong types are TypeErrors that name the argument,
// so a JS caller never reaches the native layer with a value it would silently coerce.

export function expectString(value: unknown, name: string): string {
  if (typeof value !== 'string') {
    throw new TypeError(`${name} must be a string, got ${describe(value)}`);
  }
  return value;
}

export function expectOptionalString(value: unknown, name: string): string | null {
  if (value === undefined || value === null) return null;
  return expectString(value, name);
}

export function expectOptionalBoolean(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') {
    throw new TypeError(`${name} must be a boolean, got ${describe(value)}`);
  }
  return value;
}

export function expectOptionalObject(value: unknown, name: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`${name} must be an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

export function expectStringArray(value: unknown, name: string): string[] {
  if (!Array.isArray(value)) {
    throw new TypeError(`${name} must be an array of strings, got ${describe(value)}`);
  }
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== 'string') {
      throw new TypeError(`${name}[${i}] must be a string, got ${describe(value[i])}`);
    }
  }
  return value as string[];
}

/** A token id: an integer in [0, 2^32). Accepts numbers and bigints, as `@huggingface/tokenizers` does. */
export function expectTokenId(value: unknown, name: string): number {
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new TypeError(`${name} must be a token id (an integer from 0 to 2^32-1), got ${describe(value)}`);
  }
  return n;
}

export function expectTokenIds(value: unknown, name: string): Uint32Array {
  if (value instanceof Uint32Array) return value;
  if (!Array.isArray(value) && !ArrayBuffer.isView(value)) {
    throw new TypeError(`${name} must be an array of token ids, got ${describe(value)}`);
  }
  const source = value as ArrayLike<unknown>;
  const ids = new Uint32Array(source.length);
  for (let i = 0; i < source.length; i++) ids[i] = expectTokenId(source[i], `${name}[${i}]`);
  return ids;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'Object'})`;
  return `${typeof value} ${String(value)}`;
}

/** Unicode White_Space, what Rust's `str::trim` strips (JS's `trim` also strips U+FEFF and keeps U+0085). */
export const WHITE_SPACE_CLASS = '\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000';
const LEADING_WHITE_SPACE = new RegExp(`^[${WHITE_SPACE_CLASS}]+`, 'u');
const TRAILING_WHITE_SPACE = new RegExp(`[${WHITE_SPACE_CLASS}]+$`, 'u');

const WHITE_SPACE_CHAR = /^\p{White_Space}$/u;

/** Rust's `char::is_whitespace`. */
export function isWhiteSpace(ch: string): boolean {
  return WHITE_SPACE_CHAR.test(ch);
}

/** Rust's `str::trim`. */
export function trimWhiteSpace(text: string): string {
  return text.replace(LEADING_WHITE_SPACE, '').replace(TRAILING_WHITE_SPACE, '');
}

/** Rust's `str::trim_start`. */
export function trimStartWhiteSpace(text: string): string {
  return text.replace(LEADING_WHITE_SPACE, '');
}

/** Empty or only Unicode White_Space, as Rust's `str::trim` sees it (JS's `trim` also strips U+FEFF). */
export function isWhitespaceOnly(text: string): boolean {
  return /^\p{White_Space}*$/u.test(text);
}
