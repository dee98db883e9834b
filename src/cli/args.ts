// The options of `prepare` and `inspect`: those both take (tokenizer, input, how records become rows) and
// each one's own, parsed with node:util's parseArgs and validated once, before any work.

import type { BackendChoice } from '../backend/dispatch.js';
import type { EnginePreference, VerifyEngineMode } from '../backend/types.js';
import { OptionError, errorMessage } from '../errors.js';
import { normalizePrepareOptions, type NormalizedPrepareOptions, type PrepareOptions, type Shard } from '../twin/prepare/options.js';
import type { ShardBy } from '../input/work-units.js';
import { MAX_CHUNK_TOKENS, MAX_ROW_TOKENS } from '../limits.js';
import { MAX_SHARDS } from './output-names.js';
import { MAX_CONFIG_BYTES, readBoundedText } from '../read-bounded.js';
import { intOption, parseCommandArgs } from './parse-args.js';
import { shardArgs } from './shard-args.js';
import { OUTPUT_FORMATS, type OutputFormat } from '../write/options.js';

export const USAGE = `tokenshift — training-ready rows for causal language models

Usage:
  tokenshift prepare --tokenizer <dir|tokenizer.json> --input <file|dir|glob|-> [--input ...] --output <path|->
                     --shift model|data [options] [--stats stats.json]
  tokenshift inspect --tokenizer <dir|tokenizer.json> --input <file|dir|glob|-> --shift model|data [options] [--n K]
  tokenshift lint <file.jsonl|file.parquet|dir> [--shift model|data] [--block-size N] [--tokenizer T] [--json]
  tokenshift merge-stats <stats.json ...> [--output merged.json]
  tokenshift status --output <path> --shards N [--stats merged.json]   shards done, missing, inconsistent;
                                       merged stats and a combined index (litdata, mds, megatron) when all are done
  tokenshift doctor                    backend, native binary, platform, C library, threads

--shift is required (there is no default):
  model   labels[i] = input_ids[i]    the trainer's model shifts (HF *ForCausalLM, TRL, axolotl, LLaMA-Factory)
  data    labels[i] = input_ids[i+1]  the loss compares logits[i] with labels[i] directly; last label ignored

Input (--input, repeatable): .parquet (read natively, a row group at a time), .jsonl / .jsonl.gz (streamed),
a .json array, a folder (its record files at any depth, sorted) or a glob ('data/train-*.parquet'); files are read in
order and record numbers run on across them. Errors name the file and its line or row.
  --columns F=COL,...            our field <- the dataset's column: prompt, completion, response, instruction, input,
                                 output, text, messages, conversations, system, tools, documents; role and content name
                                 the keys inside messages (e.g. --columns prompt=question,completion=answer)
  --roles FROM=TO,...            speaker renames in chat records (e.g. --roles bot=assistant,person=user); ShareGPT's
                                 human, gpt, system, function_call and observation are read without it
  --keep COL,...                 copy input columns into every output row (jsonl, parquet), to join back (e.g. --keep id)

Options:
  --max-length N                 longest row in tokens (default: unlimited)
  --truncation right|left|drop   rows over --max-length: keep the start (default), keep the end, or skip the record
  --boundary offsets|separate    tokenize prompt+completion once (default) or apart (classic Alpaca pipelines)
  --format auto|prompt-completion|alpaca|text|chat   record shape (default: detected per record)
  --train-on assistant|last|all  chat records: every assistant turn (default), only the last, or every token
  --chat-template FILE           chat template (Jinja) to use instead of the tokenizer config's
  --prompt-template FILE         Alpaca template as JSON {"withInput": "...{instruction}...{input}...", "withoutInput": "..."}
  --no-eos                       do not append the tokenizer's EOS
  --ignore-index N               label of untrained positions (default -100)
  --threads N                    worker threads, 0 = all cores (default; or TOKENSHIFT_NUM_THREADS)
  --backend native|ts|auto       implementation (default auto; or TOKENSHIFT_BACKEND)
  --engine auto|tokenizers-0.23  native engine: 1.0 where it gives 0.23's output (default), or 0.23 only
  --verify-engine sample|all|off native: how much of 1.0's output 0.23 re-encodes as a check (default sample:
                                 one record in 1,000 chosen by content, on 1 KiB each); a mismatch moves the job to 0.23
  --pack bfd|wrapped             (prepare) pack rows into --block-size blocks: whole examples best-fit (bfd), or one
                                 token stream cut into windows (wrapped); rows then carry position_ids and seq_lens
  --block-size N                 (prepare) tokens per packed row
  --tail drop|pad                (prepare, wrapped) the incomplete last window (default drop)
  --pack-window N                (prepare, bfd) examples packed together while streaming (default 20000)
  --output-format F              (prepare) jsonl | parquet (default: from --output, .jsonl or .parquet), or a directory of:
                                   npy       one NumPy .npy per column (np.load; HF datasets, plain PyTorch)
                                   bin       lit-gpt LITPKDS chunks (TinyLlama / lit-gpt PackedDataset pretraining)
                                   megatron  indexed datasets input_ids + loss_mask (.bin/.idx): Megatron-LM, NeMo,
                                             GPT-NeoX (--data-path DIR/input_ids)
                                   litdata   litdata TokensLoader chunks + index.json (litgpt pretraining:
                                             StreamingDataset(dir, item_loader=TokensLoader(block_size)))
                                   mds       MosaicML streaming shards, input_ids + labels (LLM Foundry finetuning)
                                   memmap    headerless input_ids.npy + label_mask.npy: OLMo / dolma memmaps
  --length N                     (prepare, npy/memmap) row length; packed rows default to --block-size, then
                                 --max-length; memmap without any of them concatenates the rows
  --dtype int32|int64            (prepare, npy) element type (default int32)
  --token-dtype uint16|int32|uint32  (prepare, megatron/litdata/memmap/mds) token type instead of the vocabulary
                                 size's pick (megatron: uint16 or int32; memmap: uint16 or uint32; mds: int32)
  --pad-side right|left          (prepare, npy/memmap) where padding goes (default right)
  --pad-id N                     (prepare, npy/memmap) padding id (default: the tokenizer's pad token, else EOS)
  --chunk-size N                 (prepare, bin/litdata) tokens per chunk file (default (block size + 1) * 1024, block 2048)
  --overwrite                    (prepare, directory formats) write into a non-empty directory that no tokenshift run
                                 wrote; only files of the same names are replaced (a previous tokenshift output needs
                                 no flag)
  --on-error fail|skip           a record that cannot be read: stop (default) or skip it, counted with its line number
  --max-line-bytes N             longest accepted input line (default 16 MiB: about 2 GB to tokenize); longer lines
                                 follow --on-error (fail stops reading at the limit)
  --shard I/N | auto             one shard of N (0 <= I < N); output, stats and completion names get -0000I-of-0000N.
                                 prepare on files reads only the shard's work units (Parquet row groups, byte ranges of
                                 JSON lines, whole gzip/JSON files; about 1/N of the input), and a rerun of a completed
                                 shard is a no-op; auto takes I from the scheduler (SLURM_ARRAY_TASK_ID,
                                 JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX, BATCH_TASK_INDEX, CLOUD_RUN_TASK_INDEX)
  --shards N                     with --shard auto: the number of shards (where the scheduler does not say it reliably)
  --shard-by units|records       units (default for prepare on files) or records n with (n - 1) % N == I, numbered
                                 across all inputs (every shard reads everything; stdin and inspect always)
  --progress / --no-progress     (prepare) progress line on stderr (default: when stderr is a terminal)
  --stats FILE                   (prepare) write counters and the record numbers of every skipped or truncated record
  --n K                          (inspect) examples to show (default 3)
  --color / --no-color           (inspect) colour trained positions (default: when stdout is a terminal)
  -h, --help                     this help
`;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
/** Every numeric option's range, checked before any work (sizes match src/limits.ts). */
const INT_RANGES = {
  'max-length': [1, INT32_MAX],
  'ignore-index': [INT32_MIN, INT32_MAX],
  threads: [0, 4096],
  'block-size': [2, MAX_ROW_TOKENS],
  'pack-window': [1, 10_000_000],
  length: [1, MAX_ROW_TOKENS],
  'pad-id': [INT32_MIN, INT32_MAX],
  'chunk-size': [1, MAX_CHUNK_TOKENS],
  'max-line-bytes': [1, 2 ** 30],
  n: [0, 1_000_000],
  shards: [1, MAX_SHARDS],
} as const;

/** What `prepare` and `inspect` both take. */
export interface RecordArgs {
  tokenizer: string;
  /** --input values as given (files, folders, globs, or - for stdin). */
  inputs: string[];
  backend: BackendChoice | undefined;
  engine: EnginePreference;
  verifyEngine: VerifyEngineMode;
  promptTemplateFile: string | null;
  chatTemplateFile: string | null;
  /** The prepare options as given (templates read in), already validated; `normalized` is what they mean. */
  prepare: PrepareOptions;
  normalized: NormalizedPrepareOptions;
  maxLineBytes: number | null;
  /** `--shard I/N` or `--shard auto` resolved; null without sharding. */
  shard: (Shard & { by: ShardBy; scheduler?: string }) | null;
}

export interface PrepareArgs extends RecordArgs {
  output: string;
  stats: string | null;
  pack: { mode: 'bfd' | 'wrapped'; blockSize: number; tail: 'drop' | 'pad'; window: number } | null;
  progress: boolean | null;
  overwrite: boolean;
  outputFormat: OutputFormat | null;
  /** npy */
  length: number | null;
  dtype: 'int32' | 'int64';
  /** megatron, litdata, memmap, mds: instead of the vocabulary size's pick */
  tokenDtype: 'uint16' | 'int32' | 'uint32' | null;
  padSide: 'right' | 'left';
  padId: number | null;
  /** bin */
  chunkSize: number | null;
}

export interface InspectArgs extends RecordArgs {
  n: number;
  color: boolean | null;
}

const RECORD_OPTIONS = {
  tokenizer: { type: 'string' },
  input: { type: 'string', multiple: true },
  columns: { type: 'string' },
  roles: { type: 'string' },
  keep: { type: 'string' },
  shift: { type: 'string' },
  'max-length': { type: 'string' },
  truncation: { type: 'string' },
  boundary: { type: 'string' },
  format: { type: 'string' },
  'prompt-template': { type: 'string' },
  'train-on': { type: 'string' },
  'chat-template': { type: 'string' },
  'no-eos': { type: 'boolean' },
  'ignore-index': { type: 'string' },
  threads: { type: 'string' },
  backend: { type: 'string' },
  engine: { type: 'string' },
  'verify-engine': { type: 'string' },
  'on-error': { type: 'string' },
  'max-line-bytes': { type: 'string' },
  shard: { type: 'string' },
  shards: { type: 'string' },
  'shard-by': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const PREPARE_OPTIONS = {
  ...RECORD_OPTIONS,
  output: { type: 'string' },
  stats: { type: 'string' },
  pack: { type: 'string' },
  'block-size': { type: 'string' },
  tail: { type: 'string' },
  'pack-window': { type: 'string' },
  'output-format': { type: 'string' },
  length: { type: 'string' },
  dtype: { type: 'string' },
  'token-dtype': { type: 'string' },
  'pad-side': { type: 'string' },
  'pad-id': { type: 'string' },
  'chunk-size': { type: 'string' },
  overwrite: { type: 'boolean' },
  progress: { type: 'boolean' },
  'no-progress': { type: 'boolean' },
} as const;

const INSPECT_OPTIONS = {
  ...RECORD_OPTIONS,
  n: { type: 'string' },
  color: { type: 'boolean' },
  'no-color': { type: 'boolean' },
} as const;

type Values = Record<string, string | boolean | string[] | undefined>;

const int = (name: keyof typeof INT_RANGES, raw: string | boolean | string[] | undefined): number | undefined =>
  intOption(`--${name}`, typeof raw === 'string' ? raw : undefined, INT_RANGES[name]);

const str = (values: Values, name: string): string | undefined => {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
};

function readOption(flag: string, file: string): string {
  try {
    return readBoundedText(file, MAX_CONFIG_BYTES, (message) => new OptionError(`${flag} ${message}`));
  } catch (error) {
    if (error instanceof OptionError) throw error;
    throw new OptionError(`${flag} ${file}: ${errorMessage(error)}`);
  }
}

function packArgs(mode: string | undefined, blockSize: number | undefined, tail: string | undefined, window: number | undefined): PrepareArgs['pack'] {
  if (mode === undefined) {
    if (blockSize !== undefined || tail !== undefined || window !== undefined) throw new OptionError('--block-size, --tail and --pack-window go with --pack');
    return null;
  }
  if (mode !== 'bfd' && mode !== 'wrapped') throw new OptionError(`--pack must be bfd or wrapped, got ${JSON.stringify(mode)}`);
  if (blockSize === undefined || blockSize < 2) throw new OptionError('--pack needs --block-size N (at least 2)');
  if (tail !== undefined && tail !== 'drop' && tail !== 'pad') throw new OptionError(`--tail must be drop or pad, got ${JSON.stringify(tail)}`);
  if (window !== undefined && window < 1) throw new OptionError('--pack-window must be at least 1');
  return { mode, blockSize, tail: tail ?? 'drop', window: window ?? 20_000 };
}

function parse(argv: string[], options: typeof PREPARE_OPTIONS | typeof INSPECT_OPTIONS): { values: Values } | 'help' {
  const { values, positionals } = parseCommandArgs({ args: argv, allowPositionals: true, strict: true, options });
  if (values.help) return 'help';
  if (positionals.length > 0) throw new OptionError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  return { values: values as Values };
}

/** `a=b,c=d` as {a: 'b', c: 'd'}. */
function pairs(flag: string, raw: string | undefined): Record<string, string> | undefined {
  if (raw === undefined) return undefined;
  // No prototype: "__proto__=user" is a pair like any other (the options check refuses the name).
  const out = Object.create(null) as Record<string, string>;
  for (const item of raw.split(',')) {
    const at = item.indexOf('=');
    const key = item.slice(0, at).trim();
    const value = item.slice(at + 1).trim();
    if (at < 0 || key === '' || value === '') throw new OptionError(`${flag} takes NAME=NAME pairs separated by commas, got ${JSON.stringify(item)}`);
    if (Object.hasOwn(out, key)) throw new OptionError(`${flag} names ${JSON.stringify(key)} twice`);
    out[key] = value;
  }
  return out;
}

function recordArgs(values: Values, byUnits: boolean): RecordArgs {
  const need = (name: 'tokenizer' | 'shift'): string => {
    const v = str(values, name);
    if (v === undefined) throw new OptionError(`--${name} is required${name === 'shift' ? ' (model or data; see --help)' : ''}`);
    return v;
  };
  const backend = str(values, 'backend');
  if (backend !== undefined && backend !== 'native' && backend !== 'ts' && backend !== 'auto')
    throw new OptionError(`--backend must be native, ts or auto, got ${JSON.stringify(backend)}`);
  const engine = str(values, 'engine') ?? 'auto';
  if (engine !== 'auto' && engine !== 'tokenizers-0.23') throw new OptionError(`--engine must be auto or tokenizers-0.23, got ${JSON.stringify(engine)}`);
  const verifyEngine = str(values, 'verify-engine') ?? 'sample';
  if (verifyEngine !== 'sample' && verifyEngine !== 'all' && verifyEngine !== 'off')
    throw new OptionError(`--verify-engine must be sample, all or off, got ${JSON.stringify(verifyEngine)}`);
  const prepare: Record<string, unknown> = { shift: need('shift') };
  const set = (key: string, value: unknown) => {
    if (value !== undefined) prepare[key] = value;
  };
  set('maxLength', int('max-length', values['max-length']));
  set('truncation', values.truncation);
  set('boundary', values.boundary);
  set('format', values.format);
  set('trainOn', values['train-on']);
  set('ignoreIndex', int('ignore-index', values['ignore-index']));
  set('threads', int('threads', values.threads));
  if (values['no-eos']) prepare.addEos = false;
  set('onError', values['on-error']);
  set('columns', pairs('--columns', str(values, 'columns')));
  set('roles', pairs('--roles', str(values, 'roles')));
  const keep = str(values, 'keep');
  if (keep !== undefined)
    set(
      'keep',
      keep.split(',').map((name) => name.trim()),
    );
  const inputs = values.input;
  if (!Array.isArray(inputs) || inputs.length === 0) throw new OptionError('--input is required (a file, folder or glob, repeatable; - for stdin)');
  const shard = shardArgs({ spec: str(values, 'shard'), shards: int('shards', values.shards), by: str(values, 'shard-by') }, inputs, byUnits);
  // Sharded by record number, every shard reads the whole input and keeps records n with (n - 1) % N == I.
  if (shard?.by === 'records') prepare.shard = { index: shard.index, count: shard.count };
  const promptTemplateFile = str(values, 'prompt-template') ?? null;
  if (promptTemplateFile !== null) {
    try {
      prepare.promptTemplate = JSON.parse(readOption('--prompt-template', promptTemplateFile)) as PrepareOptions['promptTemplate'];
    } catch (error) {
      throw new OptionError(`--prompt-template ${promptTemplateFile}: ${errorMessage(error)}`);
    }
  }
  const chatTemplateFile = str(values, 'chat-template') ?? null;
  if (chatTemplateFile !== null) prepare.chatTemplate = readOption('--chat-template', chatTemplateFile);
  const options = prepare as unknown as PrepareOptions;
  return {
    tokenizer: need('tokenizer'),
    inputs,
    backend,
    engine,
    verifyEngine,
    promptTemplateFile,
    chatTemplateFile,
    prepare: options,
    // Validated here, once: a bad option fails before any input is read.
    normalized: normalizePrepareOptions(options),
    maxLineBytes: int('max-line-bytes', values['max-line-bytes']) ?? null,
    shard,
  };
}

export function parsePrepareArgs(argv: string[]): PrepareArgs | 'help' {
  const parsed = parse(argv, PREPARE_OPTIONS);
  if (parsed === 'help') return parsed;
  const { values } = parsed;
  const records = recordArgs(values, true);
  const outputFormat = str(values, 'output-format');
  if (outputFormat !== undefined && !(OUTPUT_FORMATS as readonly string[]).includes(outputFormat))
    throw new OptionError(`--output-format must be one of ${OUTPUT_FORMATS.join(', ')}, got ${JSON.stringify(outputFormat)}`);
  const dtype = str(values, 'dtype') ?? 'int32';
  if (dtype !== 'int32' && dtype !== 'int64') throw new OptionError(`--dtype must be int32 or int64, got ${JSON.stringify(dtype)}`);
  const tokenDtype = str(values, 'token-dtype') ?? null;
  if (tokenDtype !== null && tokenDtype !== 'uint16' && tokenDtype !== 'int32' && tokenDtype !== 'uint32')
    throw new OptionError(`--token-dtype must be uint16, int32 or uint32, got ${JSON.stringify(tokenDtype)}`);
  const padSide = str(values, 'pad-side') ?? 'right';
  if (padSide !== 'right' && padSide !== 'left') throw new OptionError(`--pad-side must be right or left, got ${JSON.stringify(padSide)}`);
  const output = str(values, 'output');
  if (output === undefined) throw new OptionError('--output is required (a file, or - for stdout)');
  return {
    ...records,
    output,
    stats: str(values, 'stats') ?? null,
    pack: packArgs(str(values, 'pack'), int('block-size', values['block-size']), str(values, 'tail'), int('pack-window', values['pack-window'])),
    progress: values['no-progress'] ? false : values.progress ? true : null,
    overwrite: values.overwrite === true,
    outputFormat: (outputFormat as OutputFormat | undefined) ?? null,
    length: int('length', values.length) ?? null,
    dtype,
    tokenDtype,
    padSide,
    padId: int('pad-id', values['pad-id']) ?? null,
    chunkSize: int('chunk-size', values['chunk-size']) ?? null,
  };
}

export function parseInspectArgs(argv: string[]): InspectArgs | 'help' {
  const parsed = parse(argv, INSPECT_OPTIONS);
  if (parsed === 'help') return parsed;
  const { values } = parsed;
  return { ...recordArgs(values, false), n: int('n', values.n) ?? 3, color: values['no-color'] ? false : values.color ? true : null };
}
