// Twin of crates/tokenshift-core/src/chat/template.rs, on @huggingface/jinja (which applies Transformers'
// trim_blocks/lstrip_blocks and provides a Python-style tojson).
//
// Templates come from downloaded model repositories, so every render is bounded as the native one is:
// a work budget in the same units (one step, or 64 bytes produced) and of the same size per record
// (RENDER_FUEL_BASE + RENDER_FUEL_PER_INPUT_BYTE per byte of the conversation), no string or list larger
// than the budget allows, `range()` limited to 100,000 items as minijinja limits it, and 10 s of wall
// clock per record (this interpreter is several times slower than minijinja). The exact point where a runaway template stops differs between the two engines; real templates
// use a small fraction of the budget in both (tested on every fixture template and shared conversation).

import { Environment, Interpreter, Template } from '@huggingface/jinja';

import { OptionError, errorMessage } from '../../errors.js';
import { contextBytes, RECORD_TIME_LIMIT_MS, RenderBudget, RENDER_FUEL_BASE, RENDER_FUEL_PER_INPUT_BYTE } from './budget.js';
import { formatUtc } from './strftime.js';
import { GROWING_FILTERS, grownSize, type TemplateValue } from './text_allowance.js';
import { WHITE_SPACE_CLASS } from '../../validate.js';

/** Bytes of data one unit of fuel pays for, and the cost of one list slot (minijinja's accounting). */
const BYTES_PER_FUEL = 64;
const SLOT_BYTES = 24;
/** minijinja runs a few instructions per loop iteration, each one fuel. */
const LOOP_ITERATION_FUEL = 2;
/** minijinja refuses larger ranges; so does this twin. */
const MAX_RANGE = 100_000;
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

class OutOfFuel extends Error {}

const PRECOMPUTED = 'TokenshiftPrecomputed';
type Statement = Parameters<Interpreter['evaluate']>[0];
type RuntimeValue = ReturnType<Interpreter['evaluate']>;
interface ArgumentNode {
  type: string;
  key?: { value: string };
  value?: Statement;
  argument?: Statement;
}
interface GrowingNode {
  type?: string;
  operand?: Statement;
  filter?: { type: string; value?: string; callee?: { type: string; value?: string }; args?: ArgumentNode[] };
  callee?: { type: string; object: Statement; property: { type: string; value?: string }; computed: boolean };
  args?: ArgumentNode[];
}

function precomputed(value: RuntimeValue): Statement {
  return { type: PRECOMPUTED, value } as unknown as Statement;
}

/** @huggingface/jinja's interpreter with fuel, size and time limits, and Jinja2's error on `undefined.attr`. */
class BoundedInterpreter extends Interpreter {
  constructor(
    env: Environment,
    private readonly budget: RenderBudget,
  ) {
    super(env);
  }

  private charge(fuel: number): void {
    this.budget.remaining -= fuel;
    if (this.budget.remaining < 0) {
      this.budget.remaining = 0;
      throw new OutOfFuel();
    }
  }

  /**
   * `|trim` and `.strip()` / `.lstrip()` / `.rstrip()` on strings as minijinja does them (Rust's `trim`,
   * or the given characters); @huggingface/jinja uses JS's `trim` and ignores the characters. Null when
   * the statement is not one of those.
   */
  private rustTrim(statement: Statement, environment: Environment): RuntimeValue | null {
    const node = statement as unknown as {
      type?: string;
      operand?: Statement;
      filter?: { type: string; value?: string };
      callee?: { type: string; object: Statement; property: { type: string; value?: string }; computed: boolean };
      args?: Statement[];
    };
    let target: Statement | undefined;
    let side: 'strip' | 'lstrip' | 'rstrip' | undefined;
    let args: Statement[] = [];
    if (node?.type === 'FilterExpression' && node.filter?.type === 'Identifier' && node.filter.value === 'trim') {
      [target, side] = [node.operand, 'strip'];
    } else if (
      node?.type === 'CallExpression' &&
      node.callee?.type === 'MemberExpression' &&
      !node.callee.computed &&
      node.callee.property.type === 'Identifier'
    ) {
      const name = node.callee.property.value;
      if (name === 'strip' || name === 'lstrip' || name === 'rstrip') [target, side, args] = [node.callee.object, name, node.args ?? []];
    }
    if (target === undefined || side === undefined || args.length > 1) return null;
    const value = this.evaluate(target, environment);
    const chars = args.length === 1 ? this.evaluate(args[0] as Statement, environment) : null;
    if (value.type !== 'StringValue' || (chars !== null && chars.type !== 'StringValue' && chars.type !== 'NullValue')) {
      // Not a string: the library's own behaviour, on the value already computed.
      const precomputed = { type: PRECOMPUTED, value } as unknown as Statement;
      const again = node.type === 'FilterExpression' ? { ...node, operand: precomputed } : { ...node, callee: { ...node.callee, object: precomputed } };
      return super.evaluate(again as unknown as Statement, environment);
    }
    const text = trimChars(value.value as string, side, chars?.type === 'StringValue' ? (chars.value as string) : null);
    return new (value.constructor as new (text: string) => RuntimeValue)(text);
  }

  /**
   * A loop pays for its iterations before it starts, as minijinja charges the instructions of each: the
   * library runs a loop with an empty body without a step this interpreter sees.
   */
  private paidLoop(statement: Statement, environment: Environment): Statement {
    const loop = statement as unknown as { iterable: Statement & { lhs?: Statement } };
    const select = loop.iterable.type === 'SelectExpression';
    const iterable = this.evaluate((select ? loop.iterable.lhs : loop.iterable) as Statement, environment);
    const items = iterable.value;
    const count = Array.isArray(items) ? items.length : items instanceof Map ? items.size : 0;
    this.charge(count * LOOP_ITERATION_FUEL);
    const given = precomputed(iterable);
    return { ...loop, iterable: select ? { ...loop.iterable, lhs: given } : given } as unknown as Statement;
  }

  /**
   * A filter or method that can make text many times larger than its input (see text_allowance.ts) is
   * sized from its evaluated operand and arguments first, and fails if the fuel left cannot pay for it;
   * otherwise it runs on those values, handed back precomputed.
   */
  private sizedBeforeGrowing(statement: Statement, environment: Environment): Statement {
    const node = statement as unknown as GrowingNode;
    let name: string | undefined;
    let target: Statement | undefined;
    let args: ArgumentNode[] = [];
    if (node?.type === 'FilterExpression' && node.filter !== undefined) {
      const filter = node.filter;
      if (filter.type === 'Identifier') name = filter.value;
      else if (filter.type === 'CallExpression' && filter.callee?.type === 'Identifier') [name, args] = [filter.callee.value, filter.args ?? []];
      target = node.operand;
    } else if (node?.type === 'CallExpression' && node.callee?.type === 'MemberExpression' && !node.callee.computed) {
      [name, target, args] = [node.callee.property.value, node.callee.object, node.args ?? []];
    }
    if (name === undefined || target === undefined || !GROWING_FILTERS.has(name)) return statement;
    const value = this.evaluate(target, environment);
    const positional: TemplateValue[] = [];
    const keywords = new Map<string, TemplateValue>();
    const givenArgs = args.map((arg): ArgumentNode => {
      const inner = arg.type === 'KeywordArgumentExpression' ? arg.value : arg.type.endsWith('SpreadExpression') ? arg.argument : undefined;
      const evaluated = this.evaluate((inner ?? arg) as Statement, environment);
      if (arg.type === 'KeywordArgumentExpression' && arg.key !== undefined) keywords.set(arg.key.value, evaluated);
      else if (arg.type === 'SpreadExpression' && Array.isArray(evaluated.value)) positional.push(...(evaluated.value as TemplateValue[]));
      else if (arg.type === 'KeywordSpreadExpression' && evaluated.value instanceof Map)
        for (const [key, item] of evaluated.value as Map<string, TemplateValue>) keywords.set(key, item);
      else if (inner === undefined) positional.push(evaluated);
      if (inner === undefined) return precomputed(evaluated) as unknown as ArgumentNode;
      return arg.type === 'KeywordArgumentExpression' ? { ...arg, value: precomputed(evaluated) } : { ...arg, argument: precomputed(evaluated) };
    });
    const limit = this.budget.remaining * BYTES_PER_FUEL;
    const size = grownSize(name, value, positional, keywords, limit);
    if (size !== null && size > limit) this.charge(Infinity);
    if (node.type === 'FilterExpression') {
      const filter = node.filter?.type === 'CallExpression' ? { ...node.filter, args: givenArgs } : node.filter;
      return { ...node, operand: precomputed(value), filter } as unknown as Statement;
    }
    return { ...node, callee: { ...node.callee, object: precomputed(value) }, args: givenArgs } as unknown as Statement;
  }

  override evaluate(given: Statement, environment: Environment): RuntimeValue {
    if (given?.type === PRECOMPUTED) return (given as unknown as { value: RuntimeValue }).value;
    this.charge(1);
    // Every step: one step can be long (a loop whose body has nothing to evaluate is one step).
    if (Date.now() > this.budget.deadline) throw new Error(`its work for this record took longer than ${RECORD_TIME_LIMIT_MS / 1000} s`);
    const trimmed = this.rustTrim(given, environment);
    if (trimmed !== null) return trimmed;
    const statement = given?.type === 'For' ? this.paidLoop(given, environment) : this.sizedBeforeGrowing(given, environment);
    let result: RuntimeValue;
    if (statement?.type === 'MemberExpression') {
      // Jinja2 (and minijinja) fail on an attribute of an undefined value; @huggingface/jinja returns
      // undefined. The object is evaluated once and handed back precomputed.
      const member = statement as unknown as { object: Statement };
      const object = this.evaluate(member.object, environment);
      if (object.type === 'UndefinedValue') throw new Error('undefined value: cannot read an attribute of it');
      result = super.evaluate({ ...member, object: { type: PRECOMPUTED, value: object } } as unknown as Statement, environment);
    } else result = super.evaluate(statement, environment);
    // Values a node creates are paid for by size, as minijinja charges them.
    const type = statement?.type;
    if (
      type === 'BinaryExpression' ||
      type === 'FilterExpression' ||
      type === 'CallExpression' ||
      type === 'For' ||
      type === 'ArrayLiteral' ||
      type === 'CallStatement' ||
      type === 'FilterStatement'
    ) {
      if (typeof result.value === 'string') this.charge(result.value.length / BYTES_PER_FUEL);
      else if (Array.isArray(result.value)) this.charge((result.value.length * SLOT_BYTES) / BYTES_PER_FUEL);
    }
    return result;
  }
}

function trimChars(text: string, side: 'strip' | 'lstrip' | 'rstrip', chars: string | null): string {
  const set = chars === null ? WHITE_SPACE_CLASS : chars.replace(/[\\\]^-]/g, '\\$&');
  if (set === '') return text;
  const start = side === 'rstrip' ? text : text.replace(new RegExp(`^[${set}]+`, 'u'), '');
  return side === 'lstrip' ? start : start.replace(new RegExp(`[${set}]+$`, 'u'), '');
}

function boundedRange(start: number, stop?: number, step = 1): number[] {
  const [from, to] = stop === undefined ? [0, start] : [start, stop];
  if (step === 0) throw new Error('range() step must not be zero');
  const count = Math.max(0, Math.ceil((to - from) / step));
  if (!Number.isFinite(count) || count > MAX_RANGE) throw new Error('range has too many elements');
  return Array.from({ length: count }, (_, i) => from + i * step);
}

export class TsChatTemplate {
  private readonly template: Template;

  constructor(source: string) {
    try {
      this.template = new Template(source);
    } catch (error) {
      throw new OptionError(`invalid option \`chat_template\`: chat template cannot be compiled: ${compileErrorMessage(error)}`, { cause: error });
    }
  }

  /** Renders with a fresh budget sized for this context (one render, e.g. `apply_chat_template`). */
  render(context: ChatRenderContext): string {
    return this.renderWithin(context, RenderBudget.forInput(contextBytes(context)));
  }

  /** Renders, charging the work to `budget`; fails once the budget is spent. */
  renderWithin(context: ChatRenderContext, budget: RenderBudget): string {
    if (budget.remaining <= 0) throw outOfFuel(budget);
    // Template.render's globals, with a bounded range() and strftime_now in UTC as the native engine has it.
    const env = new Environment();
    const globals: Record<string, unknown> = {
      false: false,
      true: true,
      none: null,
      False: false,
      True: true,
      None: null,
      raise_exception: (message: unknown) => {
        throw new Error(String(message));
      },
      range: boundedRange,
      strftime_now: (format: string) => formatUtc(Math.floor(Date.now() / 1000), format),
    };
    for (const [key, value] of Object.entries(globals)) env.set(key, value);
    for (const [key, value] of Object.entries(context))
      if (value !== undefined && !((key === 'tools' || key === 'documents') && value === null)) env.set(key, value);
    try {
      return String(new BoundedInterpreter(env, budget).run(this.template.parsed).value);
    } catch (error) {
      if (error instanceof OutOfFuel) throw outOfFuel(budget);
      throw new OptionError(`invalid option \`chat_template\`: chat template failed to render: ${errorMessage(error)}`, { cause: error });
    }
  }
}

/**
 * @huggingface/jinja's parser runs off the end of a template with an unclosed block and reports a JS
 * TypeError ("Cannot read properties of undefined"); minijinja says what is wrong, so this does too.
 */
function compileErrorMessage(error: unknown): string {
  if (error instanceof TypeError) return 'unexpected end of template: a block (`{% if %}`, `{% for %}`, `{% macro %}`, …) is not closed';
  return errorMessage(error).replace(/, got \$\{[^}]*\} instead\./, '');
}

function outOfFuel(budget: RenderBudget): OptionError {
  return new OptionError(
    `invalid option \`chat_template\`: chat template exceeded its work limit (${budget.total} fuel for this record: ${RENDER_FUEL_BASE} + ${RENDER_FUEL_PER_INPUT_BYTE} per byte of the conversation); a template that loops, recurses or builds large strings this much is not a chat template`,
  );
}
