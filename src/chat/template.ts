// Twin of crates/tokenshift-core/src/chat/template.rs, on @huggingface/jinja (which applies Transformers'
// trim_blocks/lstrip_blocks and provides raise_exception and a Python-style tojson).

import { Template } from '@huggingface/jinja';

import { OptionError, errorMessage } from '../errors.js';

export interface ChatRenderContext {
  messages: unknown[];
  add_generation_prompt: boolean;
  tools?: unknown;
  documents?: unknown;
  bos_token?: string;
  eos_token?: string;
  pad_token?: string;
  unk_token?: string;
}

export class TsChatTemplate {
  private readonly template: Template;

  constructor(source: string) {
    try {
      this.template = new Template(source);
    } catch (error) {
      throw new OptionError(`invalid option \`chat_template\`: chat template cannot be compiled: ${errorMessage(error)}`, { cause: error });
    }
  }

  render(context: ChatRenderContext): string {
    // strftime_now is @huggingface/jinja's own (local time, which it does not let callers replace): with
    // TZ=UTC it gives what the native backend gives.
    const items: Record<string, unknown> = { ...context };
    for (const key of ['tools', 'documents'] as const) if (items[key] === undefined || items[key] === null) delete items[key];
    try {
      return this.template.render(items);
    } catch (error) {
      throw new OptionError(`invalid option \`chat_template\`: chat template failed to render: ${errorMessage(error)}`, { cause: error });
    }
  }
}
