// Texts from ../shared/data, each with a stable id (file#record.field) so divergences can be named.

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface CorpusText {
  id: string;
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

function push(out: CorpusText[], id: string, value: unknown): void {
  if (typeof value === 'string' && value.length > 0) out.push({ id, text: value });
}

export function loadCorpus(shared: string): CorpusText[] {
  const data = join(shared, 'data');
  const out: CorpusText[] = [];

  for (const name of ['alpaca_en_demo', 'alpaca_zh_demo']) {
    const records = readJson(join(data, 'llama-factory', `${name}.json`)) as Record<string, unknown>[];
    records.forEach((r, i) => {
      for (const field of ['instruction', 'input', 'output']) push(out, `${name}#${i + 1}.${field}`, r[field]);
    });
  }
  for (const name of ['glaive_toolcall_en_demo', 'glaive_toolcall_zh_demo']) {
    const records = readJson(join(data, 'llama-factory', `${name}.json`)) as { conversations: { value: string }[]; tools?: string }[];
    records.forEach((r, i) => {
      r.conversations.forEach((m, k) => push(out, `${name}#${i + 1}.conversations[${k}]`, m.value));
      push(out, `${name}#${i + 1}.tools`, r.tools);
    });
  }
  const fastchat = readJson(join(data, 'fastchat', 'dummy_conversation.json')) as { conversations: { value: string }[] }[];
  fastchat.forEach((r, i) => r.conversations.forEach((m, k) => push(out, `dummy_conversation#${i + 1}.conversations[${k}]`, m.value)));

  readFileSync(join(data, 'llama-factory', 'v1_sft_demo.jsonl'), 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return;
      const record = JSON.parse(line) as { messages: { content: { value: string }[] }[] };
      record.messages.forEach((m, k) => m.content.forEach((part, p) => push(out, `v1_sft_demo#${i + 1}.messages[${k}].content[${p}]`, part.value)));
    });

  readFileSync(join(data, 'llama-factory', 'wiki_demo.txt'), 'utf8')
    .split('\n')
    .forEach((line, i) => push(out, `wiki_demo#${i + 1}`, line));

  const udhr = join(data, 'multilingual', 'udhr');
  for (const file of readdirSync(udhr).sort()) {
    const html = readFileSync(join(udhr, file), 'utf8');
    const blocks = [...html.matchAll(/<(h1|h2|h3|p|li)\b[^>]*>([\s\S]*?)<\/\1>/g)].map((m) => decodeEntities((m[2] ?? '').replace(/<[^>]+>/g, '')).trim());
    blocks.forEach((block, k) => push(out, `udhr/${file}#${k + 1}`, block));
    push(out, `udhr/${file}#all`, blocks.join('\n\n'));
  }

  const emoji = join(data, 'multilingual', 'emoji');
  const ordered = readJson(join(emoji, 'data-ordered-emoji.json')) as string[];
  ordered.forEach((e, i) => push(out, `data-ordered-emoji#${i + 1}`, e));
  push(out, 'data-ordered-emoji#all', ordered.join(' '));
  const byEmoji = readJson(join(emoji, 'data-by-emoji.json')) as Record<string, { name: string }>;
  Object.entries(byEmoji).forEach(([e, info], i) => push(out, `data-by-emoji#${i + 1}`, `${e} ${info.name}`));
  return out;
}
