// An independent statement of the label semantics of issue "Causal-LM examples with an explicit
// label-alignment contract", built on the reference `tokenizers` binding (its offsets, sequence ids and
// ids) rather than on tokenshift's own code. Tests hold both backends to it.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Tokenizer as ReferenceTokenizer } from 'tokenizers';

export interface OracleOptions {
  shift: 'model' | 'data';
  maxLength?: number;
  truncation?: 'right' | 'left' | 'drop';
  addEos?: boolean;
  ignoreIndex?: number;
  boundary?: 'offsets' | 'separate';
}

export interface OracleExample {
  kind: 'text' | 'prompt-completion';
  prompt: string;
  completion: string;
}

export type OracleResult = { status: 'kept' | 'truncated'; input_ids: number[]; labels: number[] } | { status: 'too_long' | 'no_trainable_labels' };

export class Oracle {
  readonly reference: ReferenceTokenizer;
  readonly eosId: number | null;

  constructor(dir: string) {
    this.reference = ReferenceTokenizer.fromString(readFileSync(join(dir, 'tokenizer.json'), 'utf8'));
    let eos: unknown = null;
    try {
      eos = (JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')) as { eos_token?: unknown }).eos_token ?? null;
    } catch {
      eos = null;
    }
    const eosText = typeof eos === 'string' ? eos : eos && typeof eos === 'object' ? (eos as { content: string }).content : null;
    this.eosId = eosText === null ? null : this.reference.tokenToId(eosText);
  }

  private readonly cache = new Map<string, { ids: number[]; trainable: boolean[] }>();

  async prepare(example: OracleExample, o: OracleOptions): Promise<OracleResult> {
    const ignore = o.ignoreIndex ?? -100;
    const boundary = o.boundary ?? 'offsets';
    const key = JSON.stringify([example, boundary]);
    let tokenized = this.cache.get(key);
    if (tokenized === undefined) {
      tokenized = await this.tokenize(example, boundary);
      this.cache.set(key, tokenized);
    }
    let ids = [...tokenized.ids];
    const trainable = [...tokenized.trainable];
    if ((o.addEos ?? true) && this.eosId !== null) {
      ids.push(this.eosId);
      trainable.push(true);
    }
    const n = ids.length;
    let labels: number[];
    if (o.shift === 'model') {
      labels = ids.map((id, i) => (trainable[i] ? id : ignore));
    } else {
      labels = ids.map((_, i) => (i + 1 < n && trainable[i + 1] ? (ids[i + 1] as number) : ignore));
    }
    let status: 'kept' | 'truncated' = 'kept';
    if (o.maxLength !== undefined && n > o.maxLength) {
      const mode = o.truncation ?? 'right';
      if (mode === 'drop') return { status: 'too_long' };
      status = 'truncated';
      if (mode === 'right') {
        ids = ids.slice(0, o.maxLength);
        labels = labels.slice(0, o.maxLength);
      } else {
        ids = ids.slice(n - o.maxLength);
        labels = labels.slice(n - o.maxLength);
      }
    }
    if (labels.every((l) => l === ignore)) return { status: 'no_trainable_labels' };
    return { status, input_ids: ids, labels };
  }

  private async tokenize(example: OracleExample, boundary: 'offsets' | 'separate'): Promise<{ ids: number[]; trainable: boolean[] }> {
    if (boundary === 'offsets') {
      const encoding = await this.reference.encode(example.prompt + example.completion);
      // The reference reports offsets in characters (code points).
      const start = [...example.prompt].length;
      const end = start + [...example.completion].length;
      const sequenceIds = encoding.getSequenceIds();
      const trainable = encoding.getOffsets().map(([s, e], i) => {
        const fromText = sequenceIds[i] !== null && sequenceIds[i] !== undefined;
        return fromText && (example.kind === 'text' || ((e as number) > start && (s as number) < end));
      });
      return { ids: encoding.getIds(), trainable };
    }
    const prompt = (await this.reference.encode(example.prompt)).getIds();
    const completion = (await this.reference.encode(example.completion, null, { addSpecialTokens: false })).getIds();
    return { ids: [...prompt, ...completion], trainable: [...prompt.map(() => false), ...completion.map(() => true)] };
  }
}

/** The default Alpaca prompt of the README, written out independently. */
export function alpacaPrompt(instruction: string, input: string): string {
  return input === ''
    ? `Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n### Instruction:\n${instruction}\n\n### Response:\n`
    : `Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request.\n\n### Instruction:\n${instruction}\n\n### Input:\n${input}\n\n### Response:\n`;
}
