// Issue #24, hostile chat templates, round two: values a template builds from items it shares (a list
// repeated, a string replaced into itself) are bounded by the record's work budget; the TS interpreter's
// time limit holds inside long steps; long real conversations fit the budget (turns are located in one
// rendering); an unclosed block is named as such. Both backends, each case an error or a result, never a
// crash.

import { describe, expect, it } from 'vitest';

import { OptionError, Tokenizer, createPreparer } from '../dist/esm/index.mjs';
import { testBackends } from './support/backends';
import { PACKAGED_TOKENIZERS } from './support/shared';

const backends = testBackends();
const big = [{ role: 'user', content: 'a'.repeat(10_000) }];

/** Bombs both interpreters can express: one string replaced into itself, a doubled list joined or dumped. */
const SIZE_BOMBS: Record<string, string> = {
  'replace into itself, twice': "{{ messages[0].content.replace('a', messages[0].content).replace('a', messages[0].content)|length }}",
  'replace filter into itself, twice': "{{ messages[0].content|replace('a', messages[0].content)|replace('a', messages[0].content)|length }}",
  'doubled shared list joined':
    "{% set ns = namespace(l=[messages[0].content]) %}{% for i in range(20) %}{% set ns.l = ns.l + ns.l %}{% endfor %}{{ ns.l|join('')|length }}",
  'doubled shared list as JSON':
    '{% set ns = namespace(l=[messages[0].content]) %}{% for i in range(20) %}{% set ns.l = ns.l + ns.l %}{% endfor %}{{ ns.l|tojson|length }}',
  'indent by a billion': '{{ (messages[0].content ~ "\\n")|indent(1000000000)|length }}',
};

/** minijinja only: list repetition (which @huggingface/jinja does not have, so it fails there as unknown). */
const SHARED_REPEAT_BOMBS: Record<string, string> = {
  'join of a repeated list': "{{ ([messages[0].content] * 1000000)|join('') }}",
  'str.join of a repeated list': "{{ ''.join([messages[0].content] * 1000000) }}",
  'a repeated list printed': '{{ [messages[0].content] * 1000000 }}',
  'a repeated list as JSON': '{{ ([messages[0].content] * 100000)|tojson|length }}',
};

describe.each(backends)('hostile chat templates, round two (%s backend)', (backend) => {
  const qwen = Tokenizer.fromDir(PACKAGED_TOKENIZERS.qwen3, { backend });
  const render = (template: string, messages = big) => qwen.apply_chat_template(messages, { chat_template: template, tokenize: false });

  it.each(Object.entries(SIZE_BOMBS))('%s: fails its record on the work limit, fast', (_kind, template) => {
    const started = Date.now();
    expect(() => render(template)).toThrow(/work limit/);
    const batch = createPreparer(qwen, { shift: 'model', chatTemplate: template, onError: 'skip' }).prepare([{ messages: big }]);
    expect(batch.stats.skipped.invalid.map((s: { record: number; reason: string }) => [s.record, /work limit/.test(s.reason)])).toEqual([[1, true]]);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it.each(Object.entries(SHARED_REPEAT_BOMBS))('%s: an error, never an abort', (_kind, template) => {
    expect(() => render(template)).toThrow(backend === 'native' ? /work limit/ : OptionError);
  });

  it('a loop whose body has nothing to evaluate still meets the time limit (one long step)', () => {
    const messages = [{ role: 'user', content: 'a b '.repeat(25_000) }];
    const started = Date.now();
    expect(() => render('{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}', messages)).toThrow(/work limit|longer than 10 s/);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it.each([
    ['qwen3', 500],
    ['qwen3', 3000],
    ['llama3', 3000],
  ] as const)('%s: a conversation of %i short messages trains every assistant turn', (name, count) => {
    const tokenizer = Tokenizer.fromDir(PACKAGED_TOKENIZERS[name], { backend });
    const messages = Array.from({ length: count }, (_, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content: `turn ${i}` }));
    const batch = createPreparer(tokenizer, { shift: 'model', onError: 'skip' }).prepare([{ messages }]);
    expect(batch.stats.skipped.invalid).toEqual([]);
    const trained = tokenizer.decode(Array.from(batch.labels).filter((id) => id !== -100));
    for (let i = 1; i < count; i += 2) expect(trained).toContain(`turn ${i}`);
    expect(trained).not.toContain('turn 0');
    expect(trained).not.toContain(`turn ${count - 2}<`);
  });

  it('an unclosed block is named, not a JS TypeError', () => {
    for (const template of ['{% if x %}', '{% for m in messages %}{{ m.content }}']) {
      expect(() => render(template, [{ role: 'user', content: 'x' }])).toThrow(/cannot be compiled: .*(end of template|end of input)/);
    }
  });
});
