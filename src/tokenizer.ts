// The public Tokenizer: a drop-in for @huggingface/tokenizers' Tokenizer (same constructor, methods and
// result shapes), plus typed-array, batch and async paths. All work is delegated to a backend.

import { addedTokenClass, type AddedToken } from './added-token.js';
import { disposedBackend } from './backend/disposed.js';
import { registerBackend } from './backend/registry.js';
import { createBackend } from './backend/select.js';
import type { BackendKind, EngineName, EnginePreference, SpecialTokenInfo, TokenizerBackend, TokenizerSource, VerifyEngineMode } from './backend/types.js';
import { sourceFromDir, sourceFromFile } from './files.js';
import { OptionError, TokenizeError } from './errors.js';
import { createPreparer } from './prepare/preparer.js';
import { resolveThreads } from './threads.js';
import {
  describe,
  expectOptionalBoolean,
  expectOptionalObject,
  expectOptionalString,
  expectString,
  expectStringArray,
  expectTokenId,
  expectTokenIds,
} from './validate.js';

export interface TokenizerOptions {
  /** `'auto'` (default: native when the addon loads), `'native'` (fail without it) or `'ts'`. Overrides TOKENSHIFT_BACKEND. */
  backend?: BackendKind | 'auto';
  /** Worker threads for batch calls; 0 = all cores. Overrides TOKENSHIFT_NUM_THREADS. */
  threads?: number;
  /** Names the tokenizer in error messages (default "tokenizer.json"; `fromFile`/`fromDir` pass the path). */
  sourceName?: string;
  /**
   * Native backend: `'auto'` (default) tokenizes with the tokenizers 1.0 engine wherever it gives 0.23's
   * ids and masks, `'tokenizers-0.23'` keeps to the engine the official binding runs. Output is the same.
   */
  engine?: EnginePreference;
  /**
   * Native backend: how much of the tokenizers 1.0 engine's output the 0.23 engine re-encodes while
   * running. `'sample'` (default): one text in 1,000 chosen by its content (the same texts however the input is batched), each on its first 1 KiB; `'all'`: every text, whole; `'off'`. A mismatch
   * moves the tokenizer to 0.23 for good, redoes the batch at hand and is reported in the batch's
   * `engineCheck` (and the CLI's summary, stats and sidecar).
   */
  verifyEngine?: VerifyEngineMode;
  /**
   * Native backend: how many bytes of bulk input (`encodeBatch`, `prepare*` calls, counted in the order
   * they are made) the 0.23 engine serves while tokenizers 1.0 is built in the background, so a new tokenizer
   * starts as fast as the official binding's. Default 256 KiB; `0`: 1.0 from the first call. The calls that keep
   * the total within it are 0.23's, the call that passes it and every later one 1.0's; output is the same,
   * only the `engines` counts say which served.
   */
  engineWarmUpBytes?: number;
}

export interface EncodeOptions {
  text_pair?: string | null;
  add_special_tokens?: boolean;
  return_token_type_ids?: boolean | null;
}

export interface Encoding {
  ids: number[];
  tokens: string[];
  attention_mask: number[];
  token_type_ids?: number[];
}

export interface DecodeOptions {
  skip_special_tokens?: boolean;
  /** Defaults to the config's `clean_up_tokenization_spaces` (true when unset). */
  clean_up_tokenization_spaces?: boolean | null;
}

export interface TokenizeOptions {
  text_pair?: string | null;
  add_special_tokens?: boolean;
}

export interface BatchOptions {
  add_special_tokens?: boolean;
  /** Overrides the tokenizer's thread count for this call. */
  threads?: number;
}

export interface AsyncBatchOptions extends BatchOptions {
  /** Aborting rejects the promise with the signal's reason. */
  signal?: AbortSignal;
}

/** Token ids of many texts in CSR form: row `r` is `ids.subarray(offsets[r], offsets[r + 1])`. */
export interface EncodedBatch {
  ids: Uint32Array;
  offsets: Uint32Array;
}

export type SpecialTokens = SpecialTokenInfo;

/** Options of `apply_chat_template`, as in transformers.js. */
export interface ApplyChatTemplateOptions {
  add_generation_prompt?: boolean;
  /** Return token ids (default) rather than the rendered string. */
  tokenize?: boolean;
  /** Return `{input_ids, attention_mask}` instead of the ids alone. */
  return_dict?: boolean;
  /** With `return_dict`: add `assistant_masks` (1 on tokens of assistant turns, through their end-of-turn marker). */
  return_assistant_tokens_mask?: boolean;
  tools?: unknown[] | null;
  documents?: unknown[] | null;
  /** A template to use instead of the tokenizer config's. */
  chat_template?: string | null;
}

export interface ChatTemplateDict {
  input_ids: number[];
  attention_mask: number[];
  assistant_masks?: number[];
}

export type ChatMessage = { role: string; content?: unknown } & Record<string, unknown>;

export class Tokenizer {
  /** Which implementation does the work. */
  readonly backend: BackendKind;
  private impl: TokenizerBackend;
  private threadCount: number;

  /**
   * Same as `@huggingface/tokenizers`: the parsed `tokenizer.json` and `tokenizer_config.json`.
   * The JSON texts are accepted too (faster for the native backend: no re-serialisation), and
   * `tokenizerJson` as UTF-8 bytes (a Buffer as read from the file: fastest, nothing to decode).
   */
  constructor(tokenizerJson: object | string | Uint8Array, tokenizerConfig?: object | string | null, options?: TokenizerOptions) {
    const opts = expectOptionalObject(options, 'options') as TokenizerOptions;
    const source: TokenizerSource = {
      tokenizerJson: tokenizerJson instanceof Uint8Array ? tokenizerJson : jsonText(tokenizerJson, 'tokenizerJson'),
      configJson: tokenizerConfig === undefined || tokenizerConfig === null ? null : jsonText(tokenizerConfig, 'tokenizerConfig'),
      sourceName: expectOptionalString(opts.sourceName, 'options.sourceName') ?? 'tokenizer.json',
      engine: expectEnginePreference(opts.engine),
      verifyEngine: expectVerifyEngine(opts.verifyEngine),
      ...warmUpOption(opts.engineWarmUpBytes),
    };
    this.threadCount = resolveThreads(opts.threads);
    this.impl = createBackend(source, opts.backend);
    this.backend = this.impl.kind;
    registerBackend(this, this.impl);
  }

  /** Loads a `tokenizer.json` file (no config: no known BOS/EOS). */
  static fromFile(path: string, options?: TokenizerOptions): Tokenizer {
    const source = sourceFromFile(expectString(path, 'path'));
    return new Tokenizer(source.tokenizerJson, source.configJson, { ...options, sourceName: source.sourceName });
  }

  /** Loads `tokenizer.json`, plus `tokenizer_config.json` and `special_tokens_map.json` where present. */
  static fromDir(dir: string, options?: TokenizerOptions): Tokenizer {
    const source = sourceFromDir(expectString(dir, 'dir'));
    return new Tokenizer(source.tokenizerJson, source.configJson, { ...options, sourceName: source.sourceName });
  }

  /**
   * Frees the tokenizer's memory now instead of when the garbage collector gets to it (native memory is
   * reported to V8, so dropped tokenizers are collected too, just later). Later calls throw; work
   * already in flight completes. Also `using tokenizer = Tokenizer.fromDir(...)`.
   */
  dispose(): void {
    this.impl.dispose();
    this.impl = disposedBackend(this.backend);
    registerBackend(this, this.impl);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Threads used by batch calls (0 = all cores). */
  get threads(): number {
    return this.threadCount;
  }

  set threads(value: number) {
    this.threadCount = resolveThreads(value);
  }

  /**
   * The engine batch, async, streaming and `prepare` work runs on: `tokenizers-1.0`, `tokenizers-0.23` (a
   * config the 1.0 reader refuses, or `engine: 'tokenizers-0.23'`) or `ts`. The drop-in `encode()` always
   * runs 0.23 (1.0 has no offsets or token strings). The first call loads the 1.0 engine.
   */
  get engine(): EngineName {
    return this.impl.engine();
  }

  /** Why tokenizers 0.23 serves this tokenizer, or its character spans (offsets boundary, chat masks), if it does. */
  get engineNote(): string | null {
    return this.impl.engineNote();
  }

  /** BOS/EOS/PAD/UNK from the config, with their ids, and the chat template. */
  get special_tokens(): SpecialTokens {
    return this.impl.specialTokens();
  }

  encode(text: string, options?: EncodeOptions & { return_token_type_ids: true }): Encoding & { token_type_ids: number[] };
  encode(text: string, options?: EncodeOptions): Encoding;
  encode(text: string, options?: EncodeOptions): Encoding {
    expectString(text, 'text');
    const opts = expectOptionalObject(options, 'options') as EncodeOptions;
    const pair = expectOptionalString(opts.text_pair, 'options.text_pair');
    const addSpecial = expectOptionalBoolean(opts.add_special_tokens, 'options.add_special_tokens', true);
    const wantTypeIds = expectOptionalBoolean(opts.return_token_type_ids, 'options.return_token_type_ids', false);
    const raw = this.impl.encode(text, pair, addSpecial);
    const result: Encoding = {
      ids: Array.from(raw.ids),
      tokens: raw.tokens,
      attention_mask: new Array<number>(raw.ids.length).fill(1),
    };
    if (wantTypeIds && raw.typeIds !== null) result.token_type_ids = Array.from(raw.typeIds);
    return result;
  }

  /** Token ids only, as a typed array. */
  encodeIds(text: string, options?: { add_special_tokens?: boolean }): Uint32Array {
    expectString(text, 'text');
    const opts = expectOptionalObject(options, 'options');
    return this.impl.encodeIds(text, expectOptionalBoolean(opts.add_special_tokens, 'options.add_special_tokens', true));
  }

  /** Encodes many texts across threads into one flat buffer. */
  encodeBatch(texts: string[], options?: BatchOptions): EncodedBatch {
    const [list, addSpecial, threads] = this.batchArgs(texts, options);
    return this.impl.encodeBatch(list, addSpecial, threads);
  }

  /** Like `encodeBatch`, but off the JS thread (native) or in slices between event-loop turns (ts). */
  async encodeBatchAsync(texts: string[], options?: AsyncBatchOptions): Promise<EncodedBatch> {
    const [list, addSpecial, threads] = this.batchArgs(texts, options);
    const signal = options?.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw new TypeError(`options.signal must be an AbortSignal, got ${describe(signal)}`);
    }
    signal?.throwIfAborted();
    return this.impl.encodeBatchAsync(list, addSpecial, threads, signal);
  }

  decode(token_ids: ArrayLike<number | bigint>, options?: DecodeOptions): string {
    const ids = expectTokenIds(token_ids, 'token_ids');
    const opts = expectOptionalObject(options, 'options') as DecodeOptions;
    const skip = expectOptionalBoolean(opts.skip_special_tokens, 'options.skip_special_tokens', false);
    const cleanUp =
      opts.clean_up_tokenization_spaces === undefined || opts.clean_up_tokenization_spaces === null
        ? null
        : expectOptionalBoolean(opts.clean_up_tokenization_spaces, 'options.clean_up_tokenization_spaces', true);
    return this.impl.decode(ids, skip, cleanUp);
  }

  /** Token strings; unlike `encode`, special tokens are not added unless asked. */
  tokenize(text: string, options?: TokenizeOptions): string[] {
    expectString(text, 'text');
    const opts = expectOptionalObject(options, 'options') as TokenizeOptions;
    const pair = expectOptionalString(opts.text_pair, 'options.text_pair');
    const addSpecial = expectOptionalBoolean(opts.add_special_tokens, 'options.add_special_tokens', false);
    return this.impl.encode(text, pair, addSpecial).tokens;
  }

  token_to_id(token: string): number | undefined {
    return this.impl.tokenToId(expectString(token, 'token')) ?? undefined;
  }

  id_to_token(id: number): string | undefined {
    return this.impl.idToToken(expectTokenId(id, 'id')) ?? undefined;
  }

  get_vocab(with_added_tokens = true): Map<string, number> {
    const { tokens, ids } = this.impl.vocab(expectOptionalBoolean(with_added_tokens, 'with_added_tokens', true));
    const vocab = new Map<string, number>();
    for (let i = 0; i < tokens.length; i++) vocab.set(tokens[i] as string, ids[i] as number);
    return vocab;
  }

  get_added_tokens_decoder(): Map<number, AddedToken> {
    const AddedTokenClass = addedTokenClass();
    return new Map(this.impl.addedTokens().map((t) => [t.id, new AddedTokenClass(t)]));
  }

  /**
   * Renders `conversation` with the chat template the way Transformers does (the template owns BOS, so
   * tokenizing adds no special tokens). Like transformers.js, but ids come as plain arrays, not tensors.
   */
  apply_chat_template(conversation: ChatMessage[], options: ApplyChatTemplateOptions & { tokenize: false }): string;
  apply_chat_template(conversation: ChatMessage[], options: ApplyChatTemplateOptions & { return_dict: true }): ChatTemplateDict;
  apply_chat_template(conversation: ChatMessage[], options?: ApplyChatTemplateOptions): number[];
  apply_chat_template(conversation: ChatMessage[], options?: ApplyChatTemplateOptions): string | number[] | ChatTemplateDict {
    if (!Array.isArray(conversation)) throw new TypeError(`conversation must be an array of messages, got ${describe(conversation)}`);
    const opts = expectOptionalObject(options, 'options') as ApplyChatTemplateOptions;
    const source = expectOptionalString(opts.chat_template, 'options.chat_template') ?? this.special_tokens.chatTemplate;
    if (source === null) throw new OptionError('invalid option `chat_template`: this tokenizer has no chat template; pass options.chat_template');
    const addGenerationPrompt = expectOptionalBoolean(opts.add_generation_prompt, 'options.add_generation_prompt', false);
    const special = this.special_tokens;
    const variables: Record<string, string> = {};
    for (const [name, value] of [
      ['bos_token', special.bos],
      ['eos_token', special.eos],
      ['pad_token', special.pad],
      ['unk_token', special.unk],
    ] as const) {
      if (value !== null) variables[name] = value;
    }
    const text = this.impl.renderChatTemplate(source, {
      ...variables,
      messages: conversation,
      add_generation_prompt: addGenerationPrompt,
      ...(opts.tools ? { tools: opts.tools } : {}),
      ...(opts.documents ? { documents: opts.documents } : {}),
    });
    if (!expectOptionalBoolean(opts.tokenize, 'options.tokenize', true)) return text;
    const ids = Array.from(this.impl.encodeIds(text, false));
    if (!expectOptionalBoolean(opts.return_dict, 'options.return_dict', false)) return ids;
    const result: ChatTemplateDict = { input_ids: ids, attention_mask: ids.map(() => 1) };
    if (expectOptionalBoolean(opts.return_assistant_tokens_mask, 'options.return_assistant_tokens_mask', false)) {
      result.assistant_masks = this.assistantMask(conversation, source, opts, ids);
    }
    return result;
  }

  /** The trained positions of `prepare` on the same conversation (rendered without a generation prompt). */
  private assistantMask(conversation: ChatMessage[], source: string, opts: ApplyChatTemplateOptions, ids: number[]): number[] {
    const batch = createPreparer(this, { shift: 'model', format: 'chat', chatTemplate: source, addEos: false }).prepare([
      { messages: conversation, ...(opts.tools ? { tools: opts.tools } : {}), ...(opts.documents ? { documents: opts.documents } : {}) },
    ]);
    const skipped = batch.stats.skipped.chatTurnNotFound[0];
    if (skipped !== undefined) throw new TokenizeError(`cannot build the assistant mask: ${skipped.reason}`);
    if (batch.rowCount === 0) return ids.map(() => 0);
    const row = batch.row(0);
    if (row.input_ids.some((id, i) => ids[i] !== id))
      throw new TokenizeError('cannot build the assistant mask: the generation prompt changes how the conversation tokenizes');
    return ids.map((_, i) => (i < row.labels.length && (row.labels[i] as number) !== batch.ignoreIndex ? 1 : 0));
  }

  private batchArgs(texts: unknown, options: BatchOptions | undefined): [string[], boolean, number] {
    const list = expectStringArray(texts, 'texts');
    const opts = expectOptionalObject(options, 'options') as BatchOptions;
    const addSpecial = expectOptionalBoolean(opts.add_special_tokens, 'options.add_special_tokens', true);
    const threads = opts.threads === undefined ? this.threadCount : resolveThreads(opts.threads);
    return [list, addSpecial, threads];
  }
}

function jsonText(value: unknown, name: string): string {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return JSON.stringify(value);
  throw new TypeError(`${name} must be a parsed JSON object or its text, got ${describe(value)}`);
}

function warmUpOption(value: unknown): { warmUpBytes?: number } {
  if (value === undefined || value === null) return {};
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return { warmUpBytes: value };
  throw new OptionError(`options.engineWarmUpBytes must be a whole number of bytes, 0 or more, got ${describe(value)}`);
}

function expectVerifyEngine(value: unknown): VerifyEngineMode {
  if (value === undefined || value === null) return 'sample';
  if (value === 'sample' || value === 'all' || value === 'off') return value;
  throw new OptionError(`options.verifyEngine must be 'sample', 'all' or 'off', got ${describe(value)}`);
}

function expectEnginePreference(value: unknown): EnginePreference {
  if (value === undefined || value === null || value === 'auto') return 'auto';
  if (value === 'tokenizers-0.23') return value;
  throw new OptionError(`options.engine must be 'auto' or 'tokenizers-0.23', got ${describe(value)}`);
}
