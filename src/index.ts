export { Tokenizer } from './tokenizer.js';
export type {
  AsyncBatchOptions,
  BatchOptions,
  DecodeOptions,
  EncodeOptions,
  EncodedBatch,
  Encoding,
  SpecialTokens,
  TokenizeOptions,
  TokenizerOptions,
} from './tokenizer.js';
export type { BackendKind } from './backend/types.js';
export { nativeStatus } from './backend/select.js';
export { NativeUnavailableError, OptionError, TokenizeError, TokenizerLoadError, TokenshiftError } from './errors.js';
export { AddedToken } from '@huggingface/tokenizers';
