// Twin of crates/tokenshift-core/src/prepare/input.rs: how records come in (a JSON array, JSON-lines text
// or bytes), each numbered by its line; a byte-order mark ignored at the start; lines dropped for their
// size kept as records that cannot be read; only records of the shard kept.

import type { OversizedLines } from '../../backend/types.js';
import { RecordError, errorMessage } from '../../errors.js';
import type { NormalizedPrepareOptions } from './options.js';
import { BOM, checkJsonValue } from './records.js';

/** What `prepareRecords` reads: records as a JSON array, JSON-lines text, or JSON-lines bytes. */
export type RecordsInput = { kind: 'array'; json: string } | { kind: 'lines'; text: string } | { kind: 'bytes'; bytes: Uint8Array; oversized: OversizedLines };

// ignoreBOM keeps a BOM in the text: only the input's very first one is dropped, as the Rust reader does.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const isBlank = (line: string) => /^[ \t\n\f\r]*$/.test(line);
const withoutBom = (line: string, number: number) => (number === 1 && line.startsWith(BOM) ? line.slice(1) : line);

function parseLine(line: string, number: number): unknown {
  let value: unknown;
  try {
    value = JSON.parse(line) as unknown;
  } catch (error) {
    throw new RecordError(number, '(json)', `is not valid JSON: ${errorMessage(error)}`, { cause: error });
  }
  return checkJsonValue(value, number);
}

/** Records with their numbers, in order; lines outside the shard are not parsed (twin of the Rust readers). */
export function recordItems(input: RecordsInput, options: NormalizedPrepareOptions): [number, () => unknown][] {
  const items: [number, () => unknown][] = [];
  const first = options.firstRecordNumber;
  const shard = options.shard;
  const inShard = (n: number) => shard === null || (n - 1) % shard.count === shard.index;
  if (input.kind === 'array') {
    const text = input.json.startsWith(BOM) ? input.json.slice(1) : input.json;
    (JSON.parse(text) as unknown[]).forEach((record, i) => inShard(first + i) && items.push([first + i, () => checkJsonValue(record, first + i)]));
  } else if (input.kind === 'lines') {
    input.text.split('\n').forEach((raw, i) => {
      const line = withoutBom(raw.endsWith('\r') ? raw.slice(0, -1) : raw, first + i);
      if (isBlank(line) || !inShard(first + i)) return;
      items.push([first + i, () => parseLine(line, first + i)]);
    });
  } else {
    const bytes = input.bytes;
    const dropped = new Map(input.oversized.lines);
    let start = 0;
    for (let i = 0; start <= bytes.length; i++) {
      let end = bytes.indexOf(0x0a, start);
      if (end < 0) end = bytes.length;
      const lineEnd = end > start && bytes[end - 1] === 0x0d ? end - 1 : end;
      const line = bytes.subarray(start, lineEnd);
      const number = first + i;
      const size = dropped.get(number);
      if (size !== undefined) {
        // Size 0: reading stopped at the limit (onError 'fail' does not read on).
        const what = size === 0 ? 'is longer than the limit' : `is ${size} bytes, over the limit`;
        if (inShard(number))
          items.push([
            number,
            () => {
              throw new RecordError(number, '(line)', `${what} of ${input.oversized.limit} bytes (maxLineBytes)`);
            },
          ]);
        // Blank = only ASCII whitespace, as the Rust reader decides.
      } else if (!line.every((b) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0c || b === 0x0d) && inShard(number)) {
        items.push([
          number,
          () => {
            let text: string;
            try {
              text = utf8.decode(line);
            } catch (error) {
              throw new RecordError(number, '(json)', 'is not valid UTF-8', { cause: error });
            }
            return parseLine(withoutBom(text, number), number);
          },
        ]);
      }
      start = end + 1;
    }
  }
  return items;
}
