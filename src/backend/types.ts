// The contract both backends implement. The facade (`../tokenizer.ts`) only talks to this.

import type { ChatRenderContext } from '../twin/chat/template.js';
import type { NormalizedPrepareOptions } from '../twin/prepare/options.js';
import type { RawPrepared } from '../twin/prepare/stats.js';

export type BackendKind = 'native' | 'ts';

/**
 * What tokenizes: `tokenizers-1.0` (the native backend's fast engine), `tokenizers-0.23` (the engine the
 * official binding runs; native fallback for what 1.0 lacks) or `ts` (the TypeScript backend).
 */
export type EngineName = 'tokenizers-1.0' | 'tokenizers-0.23' | 'ts';

/** Records tokenized by each engine. */
export type EngineRecords = Record<EngineName, number>;

/** How much of the tokenizers 1.0 engine's output 0.23 re-encodes while running (native backend). */
export type VerifyEngineMode = 'sample' | 'all' | 'off';

/** What the running cross-check did: records re-encoded by 0.23, mismatches found, and what it found. */
export interface EngineCheck {
  checked: number;
  mismatches: number;
  /** Set once a mismatch took tokenizers 1.0 off the tokenizer (0.23 served the rest, the batch was redone). */
  demotion: string | null;
}

/** One encoded text in flat arrays. */
export interface RawEncoding {
  ids: Uint32Array;
  tokens: string[];
  /** null when the backend cannot tell (the TS backend without a type-id post-processor). */
  typeIds: Uint32Array | null;
}

/** Rows of token ids in CSR form: row `r` is `ids.subarray(offsets[r], offsets[r + 1])`. */
export interface TokenBatch {
  ids: Uint32Array;
  offsets: Uint32Array;
}

export interface AddedTokenInfo {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

/** What `tokenizer_config.json` / `special_tokens_map.json` say, with ids resolved in the vocabulary. */
export interface SpecialTokenInfo {
  bos: string | null;
  eos: string | null;
  pad: string | null;
  unk: string | null;
  bosId: number | null;
  eosId: number | null;
  padId: number | null;
  unkId: number | null;
  chatTemplate: string | null;
  cleanUpTokenizationSpaces: boolean;
}

export interface TokenizerBackend {
  readonly kind: BackendKind;
  encode(text: string, pair: string | null, addSpecialTokens: boolean): RawEncoding;
  encodeIds(text: string, addSpecialTokens: boolean): Uint32Array;
  encodeBatch(texts: string[], addSpecialTokens: boolean, threads: number): TokenBatch;
  encodeBatchAsync(texts: string[], addSpecialTokens: boolean, threads: number, signal?: AbortSignal): Promise<TokenBatch>;
  /** `cleanUp: null` follows the config's `clean_up_tokenization_spaces`. */
  decode(ids: Uint32Array, skipSpecialTokens: boolean, cleanUp: boolean | null): string;
  tokenToId(token: string): number | null;
  idToToken(id: number): string | null;
  /** Entries sorted by id. */
  vocab(withAddedTokens: boolean): { tokens: string[]; ids: Uint32Array };
  /** Sorted by id. */
  addedTokens(): AddedTokenInfo[];
  specialTokens(): SpecialTokenInfo;
  /** Renders a chat template (compiled once per source). */
  renderChatTemplate(source: string, context: ChatRenderContext): string;
  /** Fails (OptionError) when the options cannot work with this tokenizer, e.g. addEos without an EOS. */
  createPreparer(options: NormalizedPrepareOptions): PreparerBackend;
  /** Releases the tokenizer's memory now; work already in flight completes. */
  dispose(): void;
  /** The engine bulk work runs on. */
  engine(): EngineName;
  /** Why tokenizers 0.23 serves this tokenizer (or its character spans), if it does. */
  engineNote(): string | null;
}

export interface PreparerBackend {
  /** EOS appended to every example, or null. */
  readonly eosId: number | null;
  /** `recordsJson`: a JSON array, or JSON lines when `jsonLines`. */
  prepare(recordsJson: string, jsonLines: boolean, threads: number): RawPrepared;
  prepareAsync(recordsJson: string, jsonLines: boolean, threads: number, signal?: AbortSignal): Promise<RawPrepared>;
  /**
   * JSON lines as bytes (ending at a line end), numbered from `firstRecordNumber`, off the JS thread when native;
   * `oversized` lines were left out by the reader and are unreadable records.
   */
  prepareBytesAsync(bytes: Uint8Array, firstRecordNumber: number, oversized: OversizedLines, threads: number, signal?: AbortSignal): Promise<RawPrepared>;
}

/** Lines a reader left out of the bytes (as blank lines) for exceeding `limit` bytes: [record number, bytes], ascending. */
export interface OversizedLines {
  lines: readonly (readonly [number, number])[];
  limit: number;
}

/** Everything needed to build a backend: the raw file texts, so the native side parses them itself. */
export interface TokenizerSource {
  /** The text, or its UTF-8 bytes as read from a file (the native backend takes them undecoded). */
  tokenizerJson: string | Uint8Array;
  /** Merged `tokenizer_config.json` (+ `special_tokens_map.json`), as JSON text. */
  configJson: string | null;
  /** Labels error messages: a path, or "tokenizer.json". */
  sourceName: string;
  /** `tokenizers-0.23` keeps the native backend off the 1.0 engine. */
  engine?: EnginePreference;
  /** How much of 1.0's output 0.23 re-encodes (default `sample`). */
  verifyEngine?: VerifyEngineMode;
  /** Bytes of bulk input 0.23 serves while 1.0 builds (native default 256 KiB; 0: none). */
  warmUpBytes?: number;
}

/** `auto`: tokenizers 1.0 wherever it gives 0.23's results (the default); `tokenizers-0.23`: 0.23 only. */
export type EnginePreference = 'auto' | 'tokenizers-0.23';
