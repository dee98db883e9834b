// `npm run bench` (third part): chat prepare on the ShareGPT conversations of ../shared/data with the
// TinyLlama tokenizer and chat template. tokenshift native prepare vs a JS pipeline doing the same job:
// @huggingface/jinja renders (the full conversation and each assistant turn's generation prefix), the
// official `tokenizers` binding encodes with offsets, and a JS loop builds the assistant-only labels.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const { requireShared, medianFresh, measureByThreads, printTable } = require('./lib/measure.cjs');

const shared = requireShared();
const root = join(__dirname, '..');
const tokenizerDir = join(shared, 'fixtures', 'llama2', 'tinyllama-1.1b-chat-v1.0');
const records = JSON.parse(readFileSync(join(shared, 'data', 'fastchat', 'dummy_conversation.json'), 'utf8'));
const IGNORE = -100;
const ROLES = { human: 'user', gpt: 'assistant', system: 'system' };

async function measure() {
  const { Tokenizer, createPreparer } = require(join(root, 'dist', 'cjs', 'index.js'));
  const { Tokenizer: Official } = require('tokenizers');
  const { Template } = require('@huggingface/jinja');
  const tokenizer = Tokenizer.fromDir(tokenizerDir, { backend: 'native' });
  const config = JSON.parse(readFileSync(join(tokenizerDir, 'tokenizer_config.json'), 'utf8'));
  const template = new Template(config.chat_template);
  const specials = [...tokenizer.get_added_tokens_decoder().values()].filter((t) => t.special).map((t) => t.content);
  const tokens = createPreparer(tokenizer, { shift: 'model' }).prepare(records).stats.tokens;
  // Every round on a new tokenizer (cold caches, as on a job's first pass); the 1.0 engine loads untimed.
  const fresh = () => {
    const t = Tokenizer.fromDir(tokenizerDir, { backend: 'native' });
    void t.engine;
    return { preparer: createPreparer(t, { shift: 'model' }), dispose: () => t.dispose() };
  };

  const jsPipeline = async (official) => {
    const rendered = records.map((r) => {
      const messages = r.conversations.map((m) => ({ role: ROLES[m.from], content: m.value }));
      const render = (upto, gen) => template.render({ messages: messages.slice(0, upto), add_generation_prompt: gen, bos_token: '<s>', eos_token: '</s>' });
      const text = render(messages.length, false);
      const spans = [];
      messages.forEach((m, k) => {
        if (m.role !== 'assistant') return;
        const prefix = render(k, true);
        const end = text.indexOf(m.content, prefix.length) + m.content.length;
        let pos = end;
        while (/\s/.test(text[pos] ?? '')) pos++;
        const marker = specials.find((s) => text.startsWith(s, pos));
        spans.push([prefix.length, pos + (marker ? marker.length : 0)]);
      });
      return { text, spans };
    });
    const encodings = await official.encodeBatch(
      rendered.map((r) => r.text),
      { addSpecialTokens: false },
    );
    encodings.forEach((e, k) => {
      const ids = e.getIds();
      const offsets = e.getOffsets();
      const labels = new Int32Array(ids.length);
      for (let i = 0; i < ids.length; i++) {
        const [start, end] = offsets[i];
        labels[i] = rendered[k].spans.some(([a, b]) => end > a && start < b) ? ids[i] : IGNORE;
      }
    });
  };

  const rows = [];
  rows.push({ name: 'tokenshift native chat prepare', seconds: await medianFresh(fresh, (p) => p.preparer.prepare(records)) });
  rows.push({ name: 'tokenshift native chat prepareAsync', seconds: await medianFresh(fresh, (p) => p.preparer.prepareAsync(records)) });
  rows.push({
    name: '@huggingface/jinja + official binding + JS mask loop',
    seconds: await medianFresh(() => Official.fromFile(join(tokenizerDir, 'tokenizer.json')), jsPipeline),
  });
  return { rows, tokens };
}

async function main() {
  const measured = await measureByThreads(__filename, measure);
  if (measured === null) return;
  const { all, one, threads } = measured;
  const bytes = records.reduce((n, r) => n + r.conversations.reduce((m, c) => m + Buffer.byteLength(c.value), 0), 0);
  const sizes = { records: records.length, tokens: all.tokens, bytes };
  console.log(
    `\nchat prepare: fastchat dummy_conversation.json (ShareGPT), ${records.length} conversations, ${all.tokens} tokens, TinyLlama template; ${threads} cores`,
  );
  const anchors = ['@huggingface/jinja + official binding + JS mask loop'];
  printTable(`all threads (${threads})`, all.rows, sizes, anchors);
  printTable('1 thread', one.rows, sizes, anchors);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
