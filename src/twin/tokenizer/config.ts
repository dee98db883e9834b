// Twin of crates/tokenshift-core/src/tokenizer/config.rs: the facts tokenizer_config.json holds.

import { TokenizerLoadError } from '../../errors.js';

export interface ParsedTokenizerConfig {
  bos: string | null;
  eos: string | null;
  pad: string | null;
  unk: string | null;
  chatTemplate: string | null;
  cleanUpTokenizationSpaces: boolean;
}

const SOURCE = 'tokenizer_config.json';

export function parseTokenizerConfig(config: unknown): ParsedTokenizerConfig {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw fieldError('(root)', 'must be a JSON object');
  }
  const map = config as Record<string, unknown>;
  const cleanUp = map.clean_up_tokenization_spaces;
  if (cleanUp !== undefined && cleanUp !== null && typeof cleanUp !== 'boolean') {
    throw fieldError('clean_up_tokenization_spaces', 'must be true or false');
  }
  const extra = map.additional_special_tokens;
  if (extra !== undefined && extra !== null) {
    if (!Array.isArray(extra)) throw fieldError('additional_special_tokens', 'must be a list');
    for (const item of extra) tokenField(item, 'additional_special_tokens');
  }
  return {
    bos: tokenField(map.bos_token, 'bos_token'),
    eos: tokenField(map.eos_token, 'eos_token'),
    pad: tokenField(map.pad_token, 'pad_token'),
    unk: tokenField(map.unk_token, 'unk_token'),
    chatTemplate: chatTemplate(map.chat_template),
    cleanUpTokenizationSpaces: cleanUp ?? true,
  };
}

function fieldError(field: string, message: string): TokenizerLoadError {
  return new TokenizerLoadError(`${SOURCE}: field \`${field}\` ${message}`);
}

/** A token is a plain string or an AddedToken object with `content`. */
function tokenField(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && !Array.isArray(value)) {
    const content = (value as { content?: unknown }).content;
    if (typeof content === 'string') return content;
    throw fieldError(field, 'is an object without a string `content`');
  }
  throw fieldError(field, 'must be a string or an object with `content`');
}

/** A string, or a list of `{name, template}` of which "default" is used (else the first). */
function chatTemplate(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) throw fieldError('chat_template', 'must be a string or a list of {name, template}');
  let first: string | null = null;
  for (const entry of value) {
    const { name, template } = (entry ?? {}) as { name?: unknown; template?: unknown };
    if (typeof name !== 'string' || typeof template !== 'string') {
      throw fieldError('chat_template', 'list entries must have string `name` and `template`');
    }
    if (name === 'default') return template;
    first ??= template;
  }
  return first;
}
