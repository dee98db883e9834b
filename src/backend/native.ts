import { TokenizerLoadError } from '../errors.js';
import { typedNativeError } from './native-errors.js';
import type { ChatRenderContext } from '../twin/chat/template.js';
import type { NormalizedPrepareOptions } from '../twin/prepare/options.js';
import type { RawPrepared } from '../twin/prepare/stats.js';
import type { NativeAddon } from './native-addon.js';
import type { AddedTokenInfo, EngineName, PreparerBackend, RawEncoding, SpecialTokenInfo, TokenBatch, TokenizerBackend, TokenizerSource } from './types.js';

type NativeTokenizer = InstanceType<NativeAddon['NativeTokenizer']>;

/** Thin adapter over the Rust core: renames fields, maps errors to typed ones. */
export class NativeBackend implements TokenizerBackend {
  readonly kind = 'native' as const;
  private readonly inner: NativeTokenizer;

  private readonly addon: NativeAddon;

  constructor(addon: NativeAddon, source: TokenizerSource) {
    this.addon = addon;
    try {
      this.inner = addon.NativeTokenizer.fromJson(
        source.tokenizerJson,
        source.configJson,
        source.sourceName,
        source.engine === 'tokenizers-0.23',
        source.verifyEngine ?? 'sample',
        source.warmUpBytes,
      );
    } catch (error) {
      throw typedNativeError(error, TokenizerLoadError);
    }
  }

  encode(text: string, pair: string | null, addSpecialTokens: boolean): RawEncoding {
    return wrap(() => this.inner.encode(text, pair, addSpecialTokens));
  }

  dispose(): void {
    this.inner.dispose();
  }

  engine(): EngineName {
    return wrap(() => this.inner.engine()) as EngineName;
  }

  engineNote(): string | null {
    return wrap(() => this.inner.engineNote()) ?? null;
  }

  encodeIds(text: string, addSpecialTokens: boolean): Uint32Array {
    return wrap(() => this.inner.encodeIds(text, addSpecialTokens));
  }

  encodeBatch(texts: string[], addSpecialTokens: boolean, threads: number): TokenBatch {
    return wrap(() => this.inner.encodeBatch(texts, addSpecialTokens, threads));
  }

  async encodeBatchAsync(texts: string[], addSpecialTokens: boolean, threads: number, signal?: AbortSignal): Promise<TokenBatch> {
    try {
      return await this.inner.encodeBatchAsync(texts, addSpecialTokens, threads, signal);
    } catch (error) {
      if (signal?.aborted) throw signal.reason ?? error;
      throw typedError(error);
    }
  }

  decode(ids: Uint32Array, skipSpecialTokens: boolean, cleanUp: boolean | null): string {
    return wrap(() => this.inner.decode(ids, skipSpecialTokens, cleanUp));
  }

  tokenToId(token: string): number | null {
    return this.inner.tokenToId(token);
  }

  idToToken(id: number): string | null {
    return this.inner.idToToken(id);
  }

  vocab(withAddedTokens: boolean): { tokens: string[]; ids: Uint32Array } {
    return this.inner.vocab(withAddedTokens);
  }

  addedTokens(): AddedTokenInfo[] {
    return this.inner.addedTokens().map((t) => ({
      id: t.id,
      content: t.content,
      single_word: t.singleWord,
      lstrip: t.lstrip,
      rstrip: t.rstrip,
      normalized: t.normalized,
      special: t.special,
    }));
  }

  specialTokens(): SpecialTokenInfo {
    const s = this.inner.specialTokens();
    return {
      bos: s.bos ?? null,
      eos: s.eos ?? null,
      pad: s.pad ?? null,
      unk: s.unk ?? null,
      bosId: s.bosId ?? null,
      eosId: s.eosId ?? null,
      padId: s.padId ?? null,
      unkId: s.unkId ?? null,
      chatTemplate: s.chatTemplate ?? null,
      cleanUpTokenizationSpaces: s.cleanUpTokenizationSpaces,
    };
  }

  private readonly templates = new Map<string, InstanceType<NativeAddon['NativeChatTemplate']>>();

  renderChatTemplate(source: string, context: ChatRenderContext): string {
    let template = this.templates.get(source);
    if (template === undefined) {
      template = wrap(() => new this.addon.NativeChatTemplate(source));
      this.templates.set(source, template);
    }
    const compiled = template;
    return wrap(() => compiled.render(JSON.stringify(context)));
  }

  /** A token the running native work checks between records, set when `signal` aborts. */
  private cancelOn(signal: AbortSignal | undefined): InstanceType<NativeAddon['NativeCancelToken']> | undefined {
    if (signal === undefined) return undefined;
    const token = new this.addon.NativeCancelToken();
    signal.addEventListener('abort', () => token.cancel(), { once: true });
    return token;
  }

  createPreparer(options: NormalizedPrepareOptions): PreparerBackend {
    const inner = wrap(() => new this.addon.NativePreparer(this.inner, JSON.stringify(options)));
    return {
      eosId: inner.eosId ?? null,
      prepare: (recordsJson, jsonLines, threads): RawPrepared => wrap(() => inner.prepare(recordsJson, jsonLines, threads)),
      prepareAsync: (recordsJson, jsonLines, threads, signal) => {
        const cancel = this.cancelOn(signal);
        return settle(inner.prepareAsync(recordsJson, jsonLines, threads, signal, cancel), signal);
      },
      prepareBytesAsync: (bytes, firstRecordNumber, oversized, threads, signal) => {
        const cancel = this.cancelOn(signal);
        return settle(
          inner.prepareJsonLinesBytesAsync(
            bytes,
            firstRecordNumber,
            Uint32Array.from(oversized.lines, ([line]) => line),
            oversized.lines.map(([, n]) => n),
            oversized.limit,
            threads,
            signal,
            cancel,
          ),
          signal,
        );
      },
    };
  }
}

async function settle(pending: Promise<RawPrepared>, signal: AbortSignal | undefined): Promise<RawPrepared> {
  try {
    return await pending;
  } catch (error) {
    if (signal?.aborted) throw signal.reason ?? error;
    throw typedError(error);
  }
}

function wrap<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw typedError(error);
  }
}

function typedError(error: unknown): Error {
  return typedNativeError(error);
}
