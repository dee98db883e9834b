// OLMo / dolma headerless token memmaps (input_ids.npy, label_mask.npy), byte-identical to
// crates/tokenshift-core/src/write/memmap.rs, where the format is described.

import { closeSync, fsyncSync, openSync } from 'node:fs';
import { join } from 'node:path';

import { collate } from '../../collate/collate.js';
import { OptionError } from '../../errors.js';
import type { NormalizedWriterOptions } from '../options.js';
import type { Shift } from '../../twin/prepare/options.js';
import type { PackedColumns, RowColumns } from '../../twin/rows.js';
import type { FormatWriter, WriteSummary } from './format-writer.js';
import { learnedMask } from './learned.js';
import { PendingPath } from './pending.js';
import { memmapWidth, tokenBytes, type TokenWidth } from './token-width.js';
import { writeAll } from './write-all.js';

export const MEMMAP_FILES = ['input_ids.npy', 'label_mask.npy'] as const;
/** Padded cells collated at once, as the npy writer does. */
const GROUP_CELLS = 2 ** 22;

export class MemmapWriter implements FormatWriter {
  private readonly pending: PendingPath;
  private readonly width: TokenWidth;
  private readonly shift: Shift;
  private readonly fds: [number, number];
  private rows = 0;
  private tokens = 0;

  constructor(
    path: string,
    private readonly options: NormalizedWriterOptions,
  ) {
    this.width = options.tokenDtype ?? memmapWidth(options.vocabSize as number);
    this.shift = options.shift as Shift;
    if (options.length !== undefined && (options.padId < 0 || options.padId > (this.width === 'uint16' ? 0xffff : 0x7fffffff)))
      throw new OptionError(`invalid option \`padId\`: token id ${options.padId} in row 0 does not fit ${this.width}; pass the tokenizer's vocabulary size`);
    this.pending = new PendingPath(path, true, options.overwrite);
    this.fds = [openSync(join(this.pending.temporary, MEMMAP_FILES[0]), 'w'), openSync(join(this.pending.temporary, MEMMAP_FILES[1]), 'w')];
  }

  private push(inputIds: Int32Array, labels: Int32Array, offsets: ArrayLike<number>): void {
    const n = offsets.length - 1;
    const tokens: Uint8Array[] = [];
    const masks: Uint8Array[] = [];
    for (let r = 0; r < n; r++) {
      const a = offsets[r] as number;
      const b = offsets[r + 1] as number;
      tokens.push(tokenBytes(inputIds.subarray(a, b), this.width, this.rows + r, 'vocabSize'));
      masks.push(learnedMask(labels.subarray(a, b), this.shift, this.options.ignoreIndex));
    }
    writeAll(this.fds[0], Buffer.concat(tokens));
    writeAll(this.fds[1], Buffer.concat(masks));
    this.rows += n;
  }

  write(rows: RowColumns, _packed: PackedColumns | null): void {
    const length = this.options.length;
    if (length === undefined) {
      this.push(rows.inputIds, rows.labels, rows.offsets);
    } else {
      const group = Math.max(1, Math.floor(GROUP_CELLS / length));
      const count = rows.offsets.length - 1;
      for (let first = 0; first < count; first += group) {
        const last = Math.min(first + group, count);
        const a = rows.offsets[first] as number;
        const b = rows.offsets[last] as number;
        const c = collate(
          { inputIds: rows.inputIds.subarray(a, b), labels: rows.labels.subarray(a, b), offsets: rows.offsets.slice(first, last + 1).map((o) => o - a) },
          { length, side: this.options.side, padId: this.options.padId, ignoreIndex: this.options.ignoreIndex, dtype: 'int32', backend: 'ts' },
        );
        const padded = Array.from({ length: c.shape[0] + 1 }, (_, r) => r * length);
        this.push(c.input_ids as Int32Array, c.labels as Int32Array, padded);
      }
    }
    this.tokens += rows.inputIds.length;
  }

  finish(): WriteSummary {
    this.closeFiles(true);
    this.pending.commit();
    return {
      format: 'memmap',
      rows: this.rows,
      tokens: this.tokens,
      files: [...MEMMAP_FILES],
      layout: { dtype: this.width, maskDtype: 'bool', ...(this.options.length !== undefined ? { rowLength: this.options.length } : {}) },
    };
  }

  private closeFiles(sync: boolean): void {
    this.fds.forEach((fd, i) => {
      if (fd < 0) return;
      if (sync) fsyncSync(fd);
      closeSync(fd);
      this.fds[i] = -1;
    });
  }

  abort(): void {
    this.closeFiles(false);
    this.pending.abort();
  }
}
