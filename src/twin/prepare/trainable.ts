// Twin of crates/tokenshift-core/src/prepare/trainable.rs: ids plus the trainable mask
// (1 = learn to produce this token). Offsets are UTF-8 byte spans, as in the Rust core.

import { TokenizeError } from '../../errors.js';
import type { Boundary } from './options.js';
import type { Example } from './records.js';

/** What this stage needs from a tokenizer. */
export interface SpanEncoder {
  encodeWithOffsets(text: string, addSpecialTokens: boolean): SpannedEncoding;
  encodeIds(text: string, addSpecialTokens: boolean): ArrayLike<number>;
}

export interface SpannedEncoding {
  ids: ArrayLike<number>;
  offsets: [number, number][];
  fromText: boolean[];
  /** Byte ranges whose alignment is not exact (TS backend): no trainable boundary may fall inside one. */
  unprovable?: [number, number][];
}

/** A boundary strictly inside an unprovable range could move a token across it: refuse instead of guessing. */
function requireExactAt(encoded: SpannedEncoding, boundaries: number[]): void {
  for (const [start, end] of encoded.unprovable ?? []) {
    const inside = boundaries.find((b) => b > start && b < end);
    if (inside !== undefined) {
      throw new TokenizeError(
        `the TS backend cannot place the trainable boundary at byte ${inside}: the normalizer rewrites bytes ${start}..${end} as a whole; use the native backend`,
      );
    }
  }
}

export function trainableTokens(encoder: SpanEncoder, example: Example, boundary: Boundary, eos: number | null): { ids: number[]; trainable: Uint8Array } {
  if (example.kind === 'chat') return tokenizeChat(encoder, example.completion, example.spans ?? []);
  const { ids, trainable } = boundary === 'offsets' ? tokenizeOnce(encoder, example) : tokenizeApart(encoder, example);
  if (eos !== null) {
    ids.push(eos);
    trainable.push(1);
  }
  return { ids, trainable: Uint8Array.from(trainable) };
}

function tokenizeOnce(encoder: SpanEncoder, example: Example): { ids: number[]; trainable: number[] } {
  const completionStart = Buffer.byteLength(example.prompt);
  const completionEnd = completionStart + Buffer.byteLength(example.completion);
  const spans = encoder.encodeWithOffsets(example.prompt + example.completion, true);
  if (example.kind !== 'text') requireExactAt(spans, [completionStart, completionEnd]);
  const trainable = spans.offsets.map(([start, end], i) => {
    const overlaps = end > completionStart && start < completionEnd;
    return spans.fromText[i] === true && (example.kind === 'text' || overlaps) ? 1 : 0;
  });
  return { ids: Array.from(spans.ids), trainable };
}

/** The rendered conversation, without added special tokens (the template owns BOS); no EOS appended. */
function tokenizeChat(encoder: SpanEncoder, text: string, spans: [number, number][]): { ids: number[]; trainable: Uint8Array } {
  const encoded = encoder.encodeWithOffsets(text, false);
  requireExactAt(encoded, spans.flat());
  const trainable = encoded.offsets.map(([start, end], i) => (encoded.fromText[i] === true && spans.some(([a, b]) => end > a && start < b) ? 1 : 0));
  return { ids: Array.from(encoded.ids), trainable: Uint8Array.from(trainable) };
}

function tokenizeApart(encoder: SpanEncoder, example: Example): { ids: number[]; trainable: number[] } {
  const prompt = Array.from(encoder.encodeIds(example.prompt, true));
  const completion = Array.from(encoder.encodeIds(example.completion, false));
  return { ids: [...prompt, ...completion], trainable: [...prompt.map(() => 0), ...completion.map(() => 1)] };
}
