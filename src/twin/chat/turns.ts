// Twin of crates/tokenshift-core/src/chat/turns.rs: the rendered conversation and the spans to train.
// Spans are UTF-8 byte offsets, like the Rust core's.

import type { Conversation } from './conversation.js';
import { isWhitespaceOnly, trimStartWhiteSpace, trimWhiteSpace } from '../../validate.js';
import { contextBytes, RenderBudget } from './budget.js';
import type { ChatRenderContext, TsChatTemplate } from './template.js';
import { LOCATE_FROM_TURNS, locateTurnStarts } from './turn_starts.js';

export type TrainOn = 'assistant' | 'last' | 'all';

export interface TrainedChat {
  text: string;
  spans: [number, number][];
  /** Whether a trained turn says anything (non-whitespace content or tool calls); else only end markers would train. */
  hasContent: boolean;
}

const utf8 = (s: string) => Buffer.byteLength(s);

/** UTF-8 byte offset of a string offset in `text`, for offsets asked in ascending order (linear in all). */
function utf8Offsets(text: string): (at: number) => number {
  let [chars, bytes] = [0, 0];
  return (at) => {
    if (at < chars) [chars, bytes] = [0, 0];
    bytes += utf8(text.slice(chars, at));
    chars = at;
    return bytes;
  };
}

/** `{text, spans}`, or a string: the reason to skip, naming the message index. */
export function trainedSpans(
  template: TsChatTemplate,
  conversation: Conversation,
  variables: Partial<ChatRenderContext>,
  specialTokens: string[],
  trainOn: TrainOn,
  /** `'everyPrefix'` renders each turn's prefix: the reference the located path is tested against. */
  search: 'located' | 'everyPrefix' = 'located',
): TrainedChat | string {
  const { messages } = conversation;
  const context = (upto: number, addGenerationPrompt: boolean): ChatRenderContext => ({
    ...variables,
    messages: messages.slice(0, upto),
    add_generation_prompt: addGenerationPrompt,
    tools: conversation.tools,
    documents: conversation.documents,
  });
  // One budget for every render of this record, as in the Rust core: prefix renders grow with the square
  // of the turns, and the budget stops a conversation of thousands of turns from running for minutes.
  const budget = RenderBudget.forInput(contextBytes(context(messages.length, false)));
  const render = (upto: number, addGenerationPrompt: boolean) => template.renderWithin(context(upto, addGenerationPrompt), budget);
  const full = render(messages.length, false);
  if (trainOn === 'all') return { text: full, spans: [[0, utf8(full)]], hasContent: true };
  const role = (k: number) => (typeof messages[k]?.role === 'string' ? (messages[k]?.role as string) : '');
  let lastAssistant = -1;
  const assistant: number[] = [];
  messages.forEach((_, k) => {
    if (role(k) !== 'assistant') return;
    lastAssistant = k;
    assistant.push(k);
  });
  // The turns to train, up to the first message that asks for training it cannot have (reported after
  // the turns before it, as they come first).
  const selected: number[] = [];
  let refused: string | null = null;
  for (let k = 0; k < messages.length; k++) {
    const flag = conversation.train[k] ?? null;
    if (role(k) !== 'assistant') {
      if (flag !== true) continue;
      refused = `message ${k}: \`train: true\` is supported on assistant messages only`;
      break;
    }
    if (flag ?? (trainOn === 'assistant' || k === lastAssistant)) selected.push(k);
  }
  const located = search === 'located' && selected.length >= LOCATE_FROM_TURNS ? locateTurnStarts(full, selected, assistant, render) : null;
  const spans: [number, number][] = [];
  const bytesUpTo = utf8Offsets(full);
  let hasContent = false;
  for (const [turn, k] of selected.entries()) {
    let start = located?.[turn];
    if (start === undefined) {
      const prefix = render(k, true);
      if (!full.startsWith(prefix)) return `message ${k}: the conversation rendered up to it with the generation prompt is not a prefix of the full rendering`;
      start = prefix.length;
    }
    const content = typeof messages[k]?.content === 'string' ? (messages[k]?.content as string) : '';
    const toolCalls = messages[k]?.tool_calls;
    const hasToolCalls = Array.isArray(toolCalls) && toolCalls.length > 0;
    const saysSomething = hasToolCalls || !isWhitespaceOnly(content);
    hasContent ||= saysSomething;
    const contentEnd = locateContent(full, start, content);
    const markerEnd = contentEnd === null ? null : endOfTurn(full, contentEnd, specialTokens, hasToolCalls);
    // A blank turn has nothing to learn; where it cannot be located, it is left untrained (as in the Rust core).
    if (markerEnd === null && !saysSomething) continue;
    if (contentEnd === null) return `message ${k}: its content was not found after the generation prompt`;
    if (markerEnd === null) return `message ${k}: no end-of-turn marker (a special token) follows its content`;
    spans.push([bytesUpTo(start), bytesUpTo(markerEnd)]);
  }
  if (refused !== null) return refused;
  // No selected turn at all is not "empty": such records count as having no trainable label.
  return { text: full, spans, hasContent: hasContent || selected.length === 0 };
}

function locateContent(full: string, from: number, content: string): number | null {
  if (isWhitespaceOnly(content)) return from;
  // Rust's trim, as the core and minijinja's `trim` use (JS's trim differs on U+FEFF and U+0085).
  for (const candidate of [content, trimWhiteSpace(content)]) {
    const pos = full.indexOf(candidate, from);
    if (pos >= 0) return pos + candidate.length;
  }
  return null;
}

function endOfTurn(full: string, from: number, specialTokens: string[], scan: boolean): number | null {
  const at = (pos: number): number | null => {
    let best = -1;
    for (const t of specialTokens) if (t !== '' && full.startsWith(t, pos) && t.length > best) best = t.length;
    return best < 0 ? null : pos + best;
  };
  if (scan) {
    for (let pos = from; pos < full.length; pos++) {
      const end = at(pos);
      if (end !== null) return end;
    }
    return null;
  }
  const rest = full.slice(from);
  return at(from + rest.length - trimStartWhiteSpace(rest).length);
}
