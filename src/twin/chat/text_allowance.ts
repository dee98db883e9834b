// Twin of crates/tokenshift-core/src/chat/text_allowance.rs: text a filter or method would build is sized
// before it is built and refused past what the record's remaining fuel pays for. A template can make one
// value many times larger than anything it paid for (`content.replace("a", content)` twice on 10 KB is
// 1 TB; `join`/`tojson` of a list whose items are one string shared many times), and V8 dies on such
// sizes instead of throwing.

/** What the interpreter hands around: @huggingface/jinja's runtime values, by their public shape. */
export interface TemplateValue {
  type: string;
  value: unknown;
}

/** Filters and methods whose result can outgrow their input many times over. */
export const GROWING_FILTERS = new Set(['join', 'tojson', 'string', 'indent', 'replace']);

function isValue(value: unknown): value is TemplateValue {
  return typeof value === 'object' && value !== null && typeof (value as TemplateValue).type === 'string';
}

/**
 * Characters of `value` as text (JSON-like for lists and maps, with `indent` per level), or Infinity once
 * past `limit`: the walk stops there, so it is as bounded as the text would be.
 */
export function textSize(value: TemplateValue, limit: number, indent = 0, depth = 0): number {
  if (value.type === 'StringValue') return (value.value as string).length + 2;
  let items: unknown[];
  if (Array.isArray(value.value)) items = value.value;
  else if (value.value instanceof Map) items = [...value.value.entries()].flat();
  else return 32;
  let size = 2 + indent * depth;
  for (const item of items) {
    if (!isValue(item)) {
      size += typeof item === 'string' ? item.length + 2 : 32;
    } else size += 2 + (indent > 0 ? 1 + indent * (depth + 1) : 0) + textSize(item, limit - size, indent, depth + 1);
    if (size > limit) return Infinity;
  }
  return size;
}

function occurrences(text: string, pattern: string, count: number): number {
  if (pattern === '') return Math.min(text.length + 1, count);
  let found = 0;
  for (let at = text.indexOf(pattern); at !== -1 && found < count; at = text.indexOf(pattern, at + pattern.length)) found++;
  return found;
}

function numberOr(value: TemplateValue | undefined, fallback: number): number {
  return value !== undefined && typeof value.value === 'number' ? value.value : fallback;
}

/**
 * Characters the filter or method `name` would produce from `target` with these arguments, or Infinity
 * past `limit`; null when `name` cannot grow text beyond its input's size.
 */
export function grownSize(
  name: string,
  target: TemplateValue,
  positional: TemplateValue[],
  keywords: Map<string, TemplateValue>,
  limit: number,
): number | null {
  if (!GROWING_FILTERS.has(name)) return null;
  const text = typeof target.value === 'string' ? target.value : null;
  switch (name) {
    case 'replace': {
      const [from, to, count] = positional;
      if (text === null || typeof from?.value !== 'string' || typeof to?.value !== 'string') return null;
      const limitCount = numberOr(count ?? keywords.get('count'), Infinity);
      const found = occurrences(text, from.value, limitCount < 0 ? Infinity : limitCount);
      return text.length + found * Math.max(0, to.value.length - from.value.length);
    }
    case 'indent': {
      if (text === null) return null;
      const width = positional[0] ?? keywords.get('width');
      const perLine = typeof width?.value === 'string' ? width.value.length : numberOr(width, 4);
      let lines = 1;
      for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) lines++;
      return text.length + lines * Math.max(0, perLine);
    }
    case 'join': {
      if (!Array.isArray(target.value)) return null;
      const separator = positional[0] ?? keywords.get('d');
      const between = typeof separator?.value === 'string' ? separator.value.length : 0;
      return textSize(target, limit) + target.value.length * between;
    }
    case 'tojson':
      return textSize(target, limit, numberOr(keywords.get('indent'), 0));
    default:
      return textSize(target, limit);
  }
}
