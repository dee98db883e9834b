// JSON lines, byte-identical to crates/tokenshift-core/src/write/jsonl.rs.

import { closeSync, fsyncSync, openSync } from 'node:fs';

import { writeAll } from './write-all.js';
import { basename } from 'node:path';

import type { PackedColumns, RowColumns } from '../../twin/rows.js';
import type { FormatWriter, WriteSummary } from './format-writer.js';
import { PendingPath } from './pending.js';

/** One row as a JSON line: prepared rows carry attention_mask, packed rows position_ids and seq_lens. */
export function rowJson(rows: RowColumns, packed: PackedColumns | null, r: number): string {
  const a = rows.offsets[r] as number;
  const b = rows.offsets[r + 1] as number;
  const head = `{"input_ids":[${rows.inputIds.subarray(a, b).join(',')}],"labels":[${rows.labels.subarray(a, b).join(',')}]`;
  const kept = keptFields(rows.kept?.[r]);
  if (packed !== null) {
    const lens = packed.seqLens.subarray(packed.seqOffsets[r], packed.seqOffsets[r + 1]);
    return `${head},"position_ids":[${packed.positionIds.subarray(a, b).join(',')}],"seq_lens":[${lens.join(',')}]${kept}}\n`;
  }
  const n = b - a;
  return `${head},"attention_mask":[${n > 0 ? '1,'.repeat(n - 1) + '1' : ''}]${kept}}\n`;
}

/** A row's kept columns (one JSON object text) as fields to append, as crates/.../write/kept.rs splices them. */
function keptFields(text: string | undefined): string {
  if (text === undefined || !text.startsWith('{') || !text.endsWith('}')) return '';
  const inner = text.slice(1, -1);
  return inner === '' ? '' : `,${inner}`;
}

export class JsonlWriter implements FormatWriter {
  private readonly pending: PendingPath;
  private readonly fd: number;
  private rows = 0;
  private tokens = 0;

  constructor(path: string) {
    this.pending = new PendingPath(path, false);
    this.fd = openSync(this.pending.temporary, 'w');
  }

  write(rows: RowColumns, packed: PackedColumns | null): void {
    let text = '';
    const n = rows.offsets.length - 1;
    for (let r = 0; r < n; r++) text += rowJson(rows, packed, r);
    writeAll(this.fd, text);
    this.rows += n;
    this.tokens += rows.inputIds.length;
  }

  finish(): WriteSummary {
    fsyncSync(this.fd);
    this.close();
    this.pending.commit();
    return { format: 'jsonl', rows: this.rows, tokens: this.tokens, files: [basename(this.pending.target)], layout: {} };
  }

  abort(): void {
    this.close();
    this.pending.abort();
  }

  /** Once only: a number closed twice may by then belong to another file. */
  private close(): void {
    if (this.open) closeSync(this.fd);
    this.open = false;
  }

  private open = true;
}
