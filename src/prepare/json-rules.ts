// The JSON the Rust core accepts (serde_json's rules), applied to what JSON.parse let through, so both
// backends accept and refuse the same records: nesting deeper than serde_json's limit, numbers beyond f64
// (JSON.parse turns 1e999 into Infinity), and lone UTF-16 surrogates (\ud800 escapes, which are not text)
// make a record unreadable. A byte-order mark at the very start of the input is ignored by both.

import { RecordError } from '../errors.js';

/** serde_json's recursion limit: 128 levels of arrays and objects are refused, 127 are read. */
const MAX_NESTING = 127;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const BOM = '\ufeff';

export function checkJsonValue(value: unknown, number: number): unknown {
  const fail = (message: string): never => {
    throw new RecordError(number, '(json)', `is not valid JSON: ${message}`);
  };
  const walk = (v: unknown, depth: number): void => {
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v)) fail('a string holds a lone UTF-16 surrogate (\\ud800-\\udfff), which is not text');
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v)) fail('a number is out of range');
    } else if (v !== null && typeof v === 'object') {
      if (depth >= MAX_NESTING) fail(`nested deeper than ${MAX_NESTING} levels`);
      if (Array.isArray(v)) for (const item of v) walk(item, depth + 1);
      else
        for (const [key, item] of Object.entries(v)) {
          if (LONE_SURROGATE.test(key)) fail('a key holds a lone UTF-16 surrogate (\\ud800-\\udfff), which is not text');
          walk(item, depth + 1);
        }
    }
  };
  walk(value, 0);
  return value;
}
