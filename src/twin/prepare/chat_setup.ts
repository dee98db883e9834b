// Twin of crates/tokenshift-core/src/prepare/chat_setup.rs: what chat records need, prepared once (the
// compiled template, the variables templates read, the special tokens that end a turn), and a chat record
// turned into the rendered text with its trained spans.

import { RecordError, errorMessage } from '../../errors.js';
import { conversationFromRecord } from '../chat/conversation.js';
import type { ChatRenderContext, TsChatTemplate } from '../chat/template.js';
import { trainedSpans } from '../chat/turns.js';
import type { NormalizedPrepareOptions } from './options.js';
import type { Example } from './records.js';
import { STATUS_CHAT_TURN, STATUS_EMPTY_COMPLETION } from './stats.js';

/** Twin of the Rust `ChatSetup`: the compiled template (or why there is none) and the special tokens. */
export interface ChatSetup {
  template: TsChatTemplate | string;
  variables: Partial<ChatRenderContext>;
  specialTokens: string[];
  specialIds: Set<number>;
  bos: number | null;
}

/** Why a record gives no row before tokenization: a chat turn not found (with the reason), or nothing to learn. */
export type EarlySkip = { status: typeof STATUS_CHAT_TURN; reason: string } | { status: typeof STATUS_EMPTY_COMPLETION };

export function chatExample(chat: ChatSetup, options: NormalizedPrepareOptions, record: unknown, number: number): Example | EarlySkip {
  if (typeof chat.template === 'string') throw new RecordError(number, 'messages', `cannot be rendered: ${chat.template}`);
  const conversation = conversationFromRecord(record as Record<string, unknown>, number);
  let rendered: ReturnType<typeof trainedSpans>;
  try {
    rendered = trainedSpans(chat.template, conversation, chat.variables, chat.specialTokens, options.trainOn);
  } catch (error) {
    throw new RecordError(number, 'messages', errorMessage(error), { cause: error });
  }
  if (typeof rendered === 'string') return { status: STATUS_CHAT_TURN, reason: rendered };
  if (!rendered.hasContent) return { status: STATUS_EMPTY_COMPLETION };
  return { kind: 'chat', prompt: '', completion: rendered.text, spans: rendered.spans };
}
