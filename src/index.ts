export { Tokenizer } from './tokenizer.js';
export type {
  AsyncBatchOptions,
  BatchOptions,
  DecodeOptions,
  EncodeOptions,
  EncodedBatch,
  Encoding,
  SpecialTokens,
  ApplyChatTemplateOptions,
  ChatMessage,
  ChatTemplateDict,
  TokenizeOptions,
  TokenizerOptions,
} from './tokenizer.js';
export type { BackendKind, EngineCheck, EngineName, EnginePreference, EngineRecords, VerifyEngineMode } from './backend/types.js';
export type { BackendChoice } from './backend/dispatch.js';
export { nativeStatus } from './backend/select.js';
export { capMallocArenas } from './memory.js';
export { NativeUnavailableError, OptionError, RecordError, TokenizeError, WriteError, TokenizerLoadError, TokenshiftError } from './errors.js';
export { createPreparer, PreparedBatch, Preparer } from './prepare/preparer.js';
export type { PrepareStats, TrainingRow } from './prepare/preparer.js';
export { DEFAULT_PROMPT_TEMPLATE, SHIFT_HELP } from './twin/prepare/options.js';
export type { Boundary, PrepareOptions, PromptTemplate, RecordFormat, Shift, TrainOn, Truncation } from './twin/prepare/options.js';
export type { RecordStatusName } from './twin/prepare/stats.js';
export { checkAlignment } from './align/check.js';
export type { AlignmentInput, AlignmentReport, CheckAlignmentOptions, DetectedConvention } from './align/check.js';
export { AddedToken } from './added-token.js';
export { pack, PackedBatch } from './pack/pack.js';
export type { PackOptions } from './pack/pack.js';
export { collate } from './collate/collate.js';
export type { Collated, CollateOptions } from './collate/collate.js';
export { createDatasetWriter } from './write/writer.js';
export type { DatasetMetadata, DatasetWriter, WriteSummary } from './write/writer.js';
export type { OutputFormat, WriterOptions } from './write/options.js';
export type { RowColumns } from './twin/rows.js';
export { prepareIter, prepareStream } from './stream/prepare-stream.js';
export type { PrepareIterOptions, StreamPrepareOptions, StreamReport } from './stream/prepare-stream.js';
export type { RecordSource } from './stream/engine.js';
export { inputFiles, InputFiles } from './input/files.js';
export type { InputFormat, InputFilesOptions, InputSummary } from './input/files.js';
export { shardFromEnvironment, SCHEDULER_INDEX_VARIABLES } from './input/shard-environment.js';
export type { ShardFromEnvironmentOptions } from './input/shard-environment.js';
export { planShard } from './input/work-units.js';
export type { ShardBy, ShardPlan, WorkUnit } from './input/work-units.js';
export type { Shard } from './twin/prepare/options.js';
export type { StreamTotals } from './stream/totals.js';
