// Pure-TypeScript backend: tokenization is delegated to @huggingface/tokenizers; this file only adapts
// its results to the flat shapes the native backend returns.

import { Tokenizer as HfTokenizer, type Encoding as HfEncoding } from '@huggingface/tokenizers';

import { parseTokenizerConfig, type ParsedTokenizerConfig } from '../twin/tokenizer/config.js';
import { OptionError, TokenizeError, TokenizerLoadError, errorMessage } from '../errors.js';
import type { NormalizedPrepareOptions } from '../twin/prepare/options.js';
import { TsChatTemplate, type ChatRenderContext } from '../twin/chat/template.js';
import { prepareRecords, type ChatSetup, type RecordsInput } from '../twin/prepare/mod.js';
import type { SpanEncoder } from '../twin/prepare/trainable.js';
import { diagnoseModel } from '../twin/tokenizer/diagnose.js';
import { modelShapeDefect, withReferenceAddedTokenIds } from './reference-ids.js';
import { TsTextPipeline, type LibraryStages } from './ts-spans.js';
import { useCratePreTokenizers } from './ts-pre-tokenizers.js';
import { mergeLongWordsInTypedArrays } from './ts-long-word-bpe.js';
import { flatten } from '../twin/rows.js';
import type { AddedTokenInfo, PreparerBackend, RawEncoding, SpecialTokenInfo, TokenBatch, TokenizerBackend, TokenizerSource, EngineName } from './types.js';

/** The private steps of @huggingface/tokenizers used here (pinned version, see package.json). */
interface HfInternals extends LibraryStages {
  post_processor: ((tokens: string[], pair: string[] | null, addSpecialTokens: boolean) => { tokens: string[] }) | null;
  model: LibraryStages['model'] & { unk_token_id?: number };
  encode_text(text: string | null): string[] | null;
  tokenize_helper(
    text: string,
    options: { text_pair: string; add_special_tokens: boolean },
  ): { tokens: string[]; tokens_pair?: string[] | null; token_type_ids?: number[] };
}

/** A token no vocabulary holds (NUL first), standing for the text's k-th token while the post-processor runs. */
const STAND_IN = '\u0000tokenshift-text-';

/** Texts encoded between two yields to the event loop in `encodeBatchAsync`. */
const ASYNC_SLICE = 64;

export class TsBackend implements TokenizerBackend, SpanEncoder {
  readonly kind = 'ts' as const;
  private readonly inner: HfTokenizer;
  private readonly config: ParsedTokenizerConfig;
  private readonly tokenizerJson: Record<string, unknown>;
  private readonly pipeline: TsTextPipeline;

  constructor(source: TokenizerSource) {
    const text =
      typeof source.tokenizerJson === 'string'
        ? source.tokenizerJson
        : Buffer.from(source.tokenizerJson.buffer, source.tokenizerJson.byteOffset, source.tokenizerJson.byteLength).toString('utf8');
    const tokenizerJson = parseJson(text, source.sourceName);
    const configObject = source.configJson === null ? {} : parseJson(source.configJson, 'tokenizer_config.json');
    this.config = parseTokenizerConfig(configObject);
    const defect = modelShapeDefect(tokenizerJson) ?? diagnoseModel(tokenizerJson);
    if (defect !== null) throw new TokenizerLoadError(`${source.sourceName} is not a usable tokenizer: ${defect}`);
    this.tokenizerJson = withReferenceAddedTokenIds(tokenizerJson as Record<string, unknown>);
    try {
      this.inner = new HfTokenizer(this.tokenizerJson, configObject as object);
      useWordLevelUnknown(this.inner, this.tokenizerJson);
      mergeLongWordsInTypedArrays((this.inner as unknown as HfInternals).model);
      this.pipeline = followTheCrate(this.inner, this.tokenizerJson);
    } catch (error) {
      throw new TokenizerLoadError(`${source.sourceName} is not a usable tokenizer: ${errorMessage(error)}`, { cause: error });
    }
  }

  /** Nothing to free ahead of the garbage collector: the Tokenizer drops its reference to this. */
  dispose(): void {}

  engine(): EngineName {
    return 'ts';
  }

  engineNote(): string | null {
    return null;
  }

  encode(text: string, pair: string | null, addSpecialTokens: boolean): RawEncoding {
    const encoded = wrap(() =>
      pair === null
        ? this.inner.encode(text, { add_special_tokens: addSpecialTokens, return_token_type_ids: true })
        : this.encodePair(text, pair, addSpecialTokens),
    );
    return {
      ids: Uint32Array.from(encoded.ids),
      tokens: encoded.tokens,
      // @huggingface/tokenizers only reports type ids when its post-processor defines them.
      typeIds: encoded.token_type_ids ? Uint32Array.from(encoded.token_type_ids) : null,
    };
  }

  /**
   * @huggingface/tokenizers 0.2.0 drops the second sequence when the post-processor leaves it unmerged
   * (ByteLevel returns `tokens_pair`). Merge it as the Rust crate does: first ++ second, type ids 0 then 1.
   */
  private encodePair(text: string, pair: string, addSpecialTokens: boolean): HfEncoding {
    const internals = this.inner as unknown as HfInternals;
    const processed = internals.tokenize_helper(text, { text_pair: pair, add_special_tokens: addSpecialTokens });
    if (processed.tokens_pair === undefined || processed.tokens_pair === null) {
      return this.inner.encode(text, { text_pair: pair, add_special_tokens: addSpecialTokens, return_token_type_ids: true });
    }
    const tokens = [...processed.tokens, ...processed.tokens_pair];
    return {
      ids: tokens.map((t) => this.inner.token_to_id(t) ?? internals.model.unk_token_id ?? 0),
      tokens,
      attention_mask: tokens.map(() => 1),
      token_type_ids: [...processed.tokens.map(() => 0), ...processed.tokens_pair.map(() => 1)],
    };
  }

  encodeIds(text: string, addSpecialTokens: boolean): Uint32Array {
    return Uint32Array.from(wrap(() => this.inner.encode(text, { add_special_tokens: addSpecialTokens }).ids));
  }

  encodeBatch(texts: string[], addSpecialTokens: boolean): TokenBatch {
    const rows = texts.map((text) => this.encodeIds(text, addSpecialTokens));
    return toBatch(rows);
  }

  async encodeBatchAsync(texts: string[], addSpecialTokens: boolean, _threads: number, signal?: AbortSignal): Promise<TokenBatch> {
    const rows: Uint32Array[] = [];
    for (let start = 0; start < texts.length; start += ASYNC_SLICE) {
      signal?.throwIfAborted();
      for (const text of texts.slice(start, start + ASYNC_SLICE)) rows.push(this.encodeIds(text, addSpecialTokens));
      // Yield so timers and I/O keep running while a large batch is encoded on the JS thread.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    signal?.throwIfAborted();
    return toBatch(rows);
  }

  /**
   * Ids with UTF-8 byte spans, and which tokens came from the text rather than the post-processor
   * (those are what `encode` adds around the tokens of `encode` without special tokens).
   */
  encodeWithOffsets(
    text: string,
    addSpecialTokens: boolean,
  ): { ids: number[]; offsets: [number, number][]; fromText: boolean[]; unprovable: [number, number][] } {
    const walked = wrap(() => this.pipeline.encode(text));
    const plain = this.tokensToIds(walked.tokens);
    const unprovable = walked.unprovable;
    const processor = (this.inner as unknown as HfInternals).post_processor;
    if (!addSpecialTokens || processor === null) return { ids: plain, offsets: walked.spans, fromText: plain.map(() => true), unprovable };
    // The post-processor runs on stand-ins for the text's tokens, so that what it adds is told apart from the
    // text by identity, not by searching for ids (the text may start with the very token the template adds).
    const standIns = walked.tokens.map((_, i) => `${STAND_IN}${i}`);
    const processed = wrap(() => processor(standIns, null, true).tokens);
    const ids: number[] = [];
    const offsets: [number, number][] = [];
    const fromText: boolean[] = [];
    let next = 0;
    for (const token of processed) {
      const k = token.startsWith(STAND_IN) ? Number(token.slice(STAND_IN.length)) : -1;
      if (k >= 0) {
        if (k !== next++) throw new TokenizeError("the TS backend's post-processor reordered the text's tokens");
        ids.push(plain[k] as number);
        offsets.push(walked.spans[k] as [number, number]);
      } else {
        ids.push(this.tokensToIds([token])[0] as number);
        offsets.push([0, 0]);
      }
      fromText.push(k >= 0);
    }
    if (next !== plain.length) throw new TokenizeError("the TS backend's post-processor dropped some of the text's tokens");
    return { ids, offsets, fromText, unprovable };
  }

  /** The library's own lookup (see `encode` in @huggingface/tokenizers): added tokens by content, then the vocabulary. */
  private tokensToIds(tokens: string[]): number[] {
    const internals = this.inner as unknown as HfInternals & { added_tokens_map: Map<string, { id: number }>; model: { tokens_to_ids: Map<string, number> } };
    return tokens.map((t) => internals.added_tokens_map.get(t)?.id ?? internals.model.tokens_to_ids.get(t) ?? internals.model.unk_token_id ?? 0);
  }

  createPreparer(options: NormalizedPrepareOptions): PreparerBackend {
    const eos = this.specialTokens().eosId;
    if (options.addEos === true && eos === null) {
      throw new OptionError('invalid option `addEos`: the tokenizer has no EOS token (set eos_token in tokenizer_config.json, or addEos: false)');
    }
    const named = this.config.eos;
    if (options.addEos === null && eos === null && named !== null) {
      // Twin of the Rust check: a named EOS the vocabulary lacks would leave every example without one.
      throw new OptionError(
        `invalid option \`addEos\`: the tokenizer config names eos_token ${JSON.stringify(named)}, which is not in the vocabulary: no EOS can be appended (fix the config, or pass addEos: false to go without)`,
      );
    }
    const eosId = options.addEos === false ? null : eos;
    const chat = this.chatSetup(options);
    const run = (input: RecordsInput, o = options) => prepareRecords(this, o, eosId, input, chat);
    const json = (text: string, lines: boolean): RecordsInput => (lines ? { kind: 'lines', text } : { kind: 'array', json: text });
    // The TS twin runs on the JS thread; yield once so the calls are asynchronous like the native ones.
    const later = async (signal: AbortSignal | undefined) => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      signal?.throwIfAborted();
    };
    return {
      eosId,
      prepare: (recordsJson, jsonLines) => run(json(recordsJson, jsonLines)),
      prepareAsync: async (recordsJson, jsonLines, _threads, signal) => {
        await later(signal);
        return run(json(recordsJson, jsonLines));
      },
      prepareBytesAsync: async (bytes, firstRecordNumber, oversized, _threads, signal) => {
        await later(signal);
        return run({ kind: 'bytes', bytes, oversized }, { ...options, firstRecordNumber });
      },
    };
  }

  private readonly templates = new Map<string, TsChatTemplate>();

  renderChatTemplate(source: string, context: ChatRenderContext): string {
    let template = this.templates.get(source);
    if (template === undefined) {
      template = new TsChatTemplate(source);
      this.templates.set(source, template);
    }
    return template.render(context);
  }

  /** Twin of the Rust `ChatSetup::new`. */
  private chatSetup(options: NormalizedPrepareOptions): ChatSetup {
    const source = options.chatTemplate ?? this.config.chatTemplate;
    let template: TsChatTemplate | string;
    if (options.chatTemplate !== null) {
      template = new TsChatTemplate(options.chatTemplate); // an explicit template must compile now
    } else if (source === null) {
      template = 'the tokenizer config has no chat_template; pass chatTemplate (CLI: --chat-template FILE)';
    } else {
      try {
        template = new TsChatTemplate(source);
      } catch (error) {
        template = errorMessage(error);
      }
    }
    const c = this.config;
    const variables: Partial<ChatRenderContext> = {};
    if (c.bos !== null) variables.bos_token = c.bos;
    if (c.eos !== null) variables.eos_token = c.eos;
    if (c.pad !== null) variables.pad_token = c.pad;
    if (c.unk !== null) variables.unk_token = c.unk;
    const special = this.addedTokens().filter((t) => t.special);
    return {
      template,
      variables,
      specialTokens: special.map((t) => t.content),
      specialIds: new Set(special.map((t) => t.id)),
      bos: this.specialTokens().bosId,
    };
  }

  decode(ids: Uint32Array, skipSpecialTokens: boolean, cleanUp: boolean | null): string {
    // @huggingface/tokenizers rejects an empty list; an empty row decodes to "" like the native backend.
    if (ids.length === 0) return '';
    return wrap(() =>
      this.inner.decode(Array.from(ids), {
        skip_special_tokens: skipSpecialTokens,
        clean_up_tokenization_spaces: cleanUp ?? this.config.cleanUpTokenizationSpaces,
      }),
    );
  }

  tokenToId(token: string): number | null {
    return this.inner.token_to_id(token) ?? null;
  }

  idToToken(id: number): string | null {
    return this.inner.id_to_token(id) ?? null;
  }

  vocab(withAddedTokens: boolean): { tokens: string[]; ids: Uint32Array } {
    const entries = [...this.inner.get_vocab(withAddedTokens)].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return { tokens: entries.map((e) => e[0]), ids: Uint32Array.from(entries, (e) => e[1]) };
  }

  addedTokens(): AddedTokenInfo[] {
    return [...this.inner.get_added_tokens_decoder().values()]
      .map((t) => ({
        id: t.id,
        content: t.content,
        single_word: t.single_word,
        lstrip: t.lstrip,
        rstrip: t.rstrip,
        normalized: t.normalized,
        special: t.special,
      }))
      .sort((a, b) => a.id - b.id);
  }

  specialTokens(): SpecialTokenInfo {
    const c = this.config;
    const id = (token: string | null): number | null => (token === null ? null : this.tokenToId(token));
    return {
      bos: c.bos,
      eos: c.eos,
      pad: c.pad,
      unk: c.unk,
      bosId: id(c.bos),
      eosId: id(c.eos),
      padId: id(c.pad),
      unkId: id(c.unk),
      chatTemplate: c.chatTemplate,
      cleanUpTokenizationSpaces: c.cleanUpTokenizationSpaces,
    };
  }
}

/**
 * Routes the library's text step through the crate-faithful pipeline (added-token flags, normalizers with
 * Rust semantics), so that ids and spans come from one walk and every path (encode, pairs, batches) agrees.
 */
function followTheCrate(inner: HfTokenizer, tokenizerJson: Record<string, unknown>): TsTextPipeline {
  const internals = inner as unknown as HfInternals;
  const stages: LibraryStages = {
    pre_tokenizer:
      internals.pre_tokenizer === null ? null : (text, options) => (internals.pre_tokenizer as NonNullable<LibraryStages['pre_tokenizer']>)(text, options),
    model: (words) => internals.model(words),
  };
  useCratePreTokenizers(internals.pre_tokenizer, tokenizerJson.pre_tokenizer);
  const pipeline = new TsTextPipeline(tokenizerJson, stages);
  if (pipeline.followsNormalizer) internals.encode_text = (text) => (text === null ? null : pipeline.encode(text, false).tokens);
  return pipeline;
}

function parseJson(text: string, sourceName: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new TokenizerLoadError(`${sourceName} is not valid JSON: ${errorMessage(error)}`, { cause: error });
  }
}

function wrap<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw new TokenizeError(errorMessage(error), { cause: error });
  }
}

export function toBatch(rows: Uint32Array[]): TokenBatch {
  const { values: ids, offsets } = flatten(rows, (n) => new Uint32Array(n));
  return { ids, offsets };
}

/**
 * @huggingface/tokenizers has no WordLevel model: it falls back to a lookup without an unknown id, so
 * every unknown word became id 0. The crate maps them to `unk_token`'s id; so does this.
 */
function useWordLevelUnknown(inner: HfTokenizer, tokenizerJson: Record<string, unknown>): void {
  const model = tokenizerJson.model as { type?: unknown; vocab?: Record<string, number>; unk_token?: unknown } | undefined;
  if (model?.type !== 'WordLevel' || typeof model.unk_token !== 'string') return;
  const unknownId = model.vocab?.[model.unk_token];
  const lookup = (inner as unknown as { model?: { unk_token_id?: number } }).model;
  if (lookup !== undefined && unknownId !== undefined) lookup.unk_token_id = unknownId;
}
