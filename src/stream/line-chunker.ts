// Bytes in, chunks of whole JSON lines out, without decoding or parsing on the JS thread: only newline
// positions are searched (Buffer.indexOf, native). Lines over `maxLineBytes` are not buffered: their
// bytes are dropped as they arrive and their line numbers reported, so memory stays bounded. With
// `stopAtOversized` (onError 'fail') reading stops at the first one, reported with size 0: an endless
// line (`--input /dev/zero`) fails at the limit instead of being read forever.

export interface LineChunk {
  /** Whole lines (the last one may lack its newline at the end of input). */
  bytes: Buffer;
  /** Line number of the first line (from 1). */
  firstLine: number;
  /** Lines in `bytes`, blank ones included. */
  lines: number;
  /** Lines over the size limit, replaced by blank lines in `bytes`: [line number, bytes], ascending. */
  oversized: [number, number][];
}

/**
 * Lines per chunk at most, whatever their size: a flood of tiny bad lines (`{}` by the million) would
 * otherwise put a million skip reasons in one chunk's stats. A 1 KB record meets the byte limit first.
 */
export const MAX_CHUNK_LINES = 16_384;

export class LineChunker {
  private parts: Buffer[] = [];
  private partBytes = 0;
  /** Line number of the first line in `parts`. */
  private firstLine = 1;
  /** Complete lines buffered in `parts`. */
  private lines = 0;
  private oversized: [number, number][] = [];
  /** Bytes of the current, unfinished line seen so far (buffered or dropped). */
  private lineBytes = 0;
  private dropping = false;
  /** Set when reading stopped at an oversized line; nothing more is taken. */
  stopped = false;

  constructor(
    private readonly chunkBytes: number,
    private readonly maxLineBytes: number,
    private readonly stopAtOversized = false,
  ) {}

  /** Feeds bytes; returns the chunks that became complete. */
  push(data: Buffer): LineChunk[] {
    const out: LineChunk[] = [];
    if (this.stopped) return out;
    let at = 0;
    while (at < data.length) {
      const newline = data.indexOf(0x0a, at);
      const end = newline < 0 ? data.length : newline + 1;
      const piece = data.subarray(at, end);
      this.lineBytes += piece.length - (newline < 0 ? 0 : 1);
      if (!this.dropping && this.lineBytes > this.maxLineBytes) {
        // Forget what was buffered of this line; keep counting its bytes until it ends.
        this.dropCurrentLine();
        if (this.stopAtOversized) {
          this.oversized.push([this.firstLine + this.lines, 0]);
          this.append(Buffer.from('\n'));
          this.lines += 1;
          this.dropping = false;
          this.stopped = true;
          out.push(this.take(this.lines));
          return out;
        }
      }
      if (!this.dropping) this.append(piece);
      if (newline >= 0) {
        if (this.dropping) {
          this.oversized.push([this.firstLine + this.lines, this.lineBytes]);
          this.append(Buffer.from('\n'));
          this.dropping = false;
        }
        this.lines += 1;
        this.lineBytes = 0;
        if (this.partBytes >= this.chunkBytes || this.lines >= MAX_CHUNK_LINES) out.push(this.take(this.lines));
      }
      at = end;
    }
    return out;
  }

  /** The rest, at end of input. */
  end(): LineChunk[] {
    if (this.stopped) return [];
    if (this.dropping) {
      this.oversized.push([this.firstLine + this.lines, this.lineBytes]);
      this.dropping = false;
      this.lines += 1;
    } else if (this.lineBytes > 0) {
      this.lines += 1;
    }
    this.lineBytes = 0;
    return this.lines > 0 || this.partBytes > 0 ? [this.take(this.lines)] : [];
  }

  private append(piece: Buffer): void {
    this.parts.push(piece);
    this.partBytes += piece.length;
  }

  private dropCurrentLine(): void {
    // The current line's buffered bytes are at the end of `parts`, after the last newline; cut them off.
    const all = Buffer.concat(this.parts);
    const keep = all.lastIndexOf(0x0a) + 1;
    this.parts = keep > 0 ? [all.subarray(0, keep)] : [];
    this.partBytes = keep;
    this.dropping = true;
  }

  private take(lines: number): LineChunk {
    const chunk: LineChunk = { bytes: Buffer.concat(this.parts), firstLine: this.firstLine, lines, oversized: this.oversized };
    this.firstLine += lines;
    this.lines = 0;
    this.parts = [];
    this.partBytes = 0;
    this.oversized = [];
    return chunk;
  }
}
