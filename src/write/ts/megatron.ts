// Megatron indexed datasets (input_ids and loss_mask, .bin + .idx), byte-identical to
// crates/tokenshift-core/src/write/megatron.rs, where the format is described.

import { closeSync, fsyncSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { NormalizedWriterOptions } from '../options.js';
import type { Shift } from '../../twin/prepare/options.js';
import type { PackedColumns, RowColumns } from '../../twin/rows.js';
import type { FormatWriter, WriteSummary } from './format-writer.js';
import { learnedMask } from './learned.js';
import { PendingPath } from './pending.js';
import { megatronWidth, tokenBytes, type TokenWidth } from './token-width.js';
import { writeAll } from './write-all.js';

export const MEGATRON_INDEX_MAGIC = 'MMIDIDX\x00\x00';
export const MEGATRON_DATASETS = ['input_ids', 'loss_mask'] as const;

export function megatronIndex(dtypeCode: number, itemsize: number, lengths: readonly number[]): Buffer {
  const n = lengths.length;
  const out = Buffer.alloc(34 + n * 12 + (n + 1) * 8);
  out.write(MEGATRON_INDEX_MAGIC, 0, 'latin1');
  out.writeBigUInt64LE(1n, 9);
  out.writeUInt8(dtypeCode, 17);
  out.writeBigUInt64LE(BigInt(n), 18);
  out.writeBigUInt64LE(BigInt(n + 1), 26);
  let at = 34;
  for (const length of lengths) at = out.writeInt32LE(length, at);
  let pointer = 0n;
  for (const length of lengths) {
    at = out.writeBigInt64LE(pointer, at);
    pointer += BigInt(length * itemsize);
  }
  for (let d = 0; d <= n; d++) at = out.writeBigInt64LE(BigInt(d), at);
  return out;
}

export class MegatronWriter implements FormatWriter {
  private readonly pending: PendingPath;
  private readonly width: TokenWidth;
  private readonly shift: Shift;
  private readonly fds: [number, number];
  private readonly lengths: number[] = [];
  private tokens = 0;

  constructor(
    path: string,
    private readonly options: NormalizedWriterOptions,
  ) {
    this.width = options.tokenDtype ?? megatronWidth(options.vocabSize as number);
    this.shift = options.shift as Shift;
    this.pending = new PendingPath(path, true, options.overwrite);
    this.fds = [openSync(join(this.pending.temporary, 'input_ids.bin'), 'w'), openSync(join(this.pending.temporary, 'loss_mask.bin'), 'w')];
  }

  write(rows: RowColumns, _packed: PackedColumns | null): void {
    const n = rows.offsets.length - 1;
    const tokens: Uint8Array[] = [];
    const masks: Uint8Array[] = [];
    for (let r = 0; r < n; r++) {
      const a = rows.offsets[r] as number;
      const b = rows.offsets[r + 1] as number;
      tokens.push(tokenBytes(rows.inputIds.subarray(a, b), this.width, this.lengths.length, 'vocabSize'));
      masks.push(learnedMask(rows.labels.subarray(a, b), this.shift, this.options.ignoreIndex));
      this.lengths.push(b - a);
    }
    writeAll(this.fds[0], Buffer.concat(tokens));
    writeAll(this.fds[1], Buffer.concat(masks));
    this.tokens += rows.inputIds.length;
  }

  finish(): WriteSummary {
    this.closeFiles(true);
    const itemsize = this.width === 'uint16' ? 2 : 4;
    writeFileSync(join(this.pending.temporary, 'input_ids.idx'), megatronIndex(this.width === 'uint16' ? 8 : 4, itemsize, this.lengths), { flush: true });
    writeFileSync(join(this.pending.temporary, 'loss_mask.idx'), megatronIndex(1, 1, this.lengths), { flush: true });
    this.pending.commit();
    return {
      format: 'megatron',
      rows: this.lengths.length,
      tokens: this.tokens,
      files: MEGATRON_DATASETS.flatMap((d) => [`${d}.bin`, `${d}.idx`]),
      layout: { dtype: this.width, maskDtype: 'uint8', sequences: this.lengths.length, datasets: { tokens: 'input_ids', lossMask: 'loss_mask' } },
    };
  }

  private closeFiles(sync: boolean): void {
    this.fds.forEach((fd, i) => {
      if (fd < 0) return;
      if (sync) fsyncSync(fd);
      closeSync(fd);
      // Closed once only: a number closed twice may by then belong to another file.
      this.fds[i] = -1;
    });
  }

  abort(): void {
    this.closeFiles(false);
    this.pending.abort();
  }
}
