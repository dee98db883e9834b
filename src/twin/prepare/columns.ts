// Twin of crates/tokenshift-core/src/prepare/columns.rs: a record with the dataset's own column names
// becomes a record with ours. `columns` maps our field names to the dataset's, `role`/`content` name the
// keys inside each message, `roles` renames speakers; `keep` copies columns through to the output row.
// A mapped column is taken from the original record, so mappings may swap names.

import { RecordError } from '../../errors.js';
import { RECORD_FIELDS, type NormalizedPrepareOptions } from './options.js';

export interface ColumnMapping {
  /** Record fields only (message keys apart), as [our field, their column]. */
  fields: [string, string][];
  columns: Record<string, string>;
  role: string | undefined;
  content: string | undefined;
  roles: Record<string, string>;
  identity: boolean;
}

const RECORD_FIELD_SET: ReadonlySet<string> = new Set(RECORD_FIELDS);

export function columnMapping(options: Pick<NormalizedPrepareOptions, 'columns' | 'roles'>): ColumnMapping {
  const fields = Object.entries(options.columns).filter(([field]) => RECORD_FIELD_SET.has(field));
  return {
    fields,
    columns: options.columns,
    role: options.columns.role,
    content: options.columns.content,
    roles: options.roles,
    identity: Object.keys(options.columns).length === 0 && Object.keys(options.roles).length === 0,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The record under our names (the same object when nothing is mapped). */
export function applyColumns(mapping: ColumnMapping, record: unknown): unknown {
  if (mapping.identity || !isObject(record)) return record;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (!mapping.fields.some(([field, column]) => column === key || field === key)) out[key] = value;
  }
  for (const [field, column] of mapping.fields) {
    if (Object.hasOwn(record, column)) out[field] = record[column];
  }
  for (const [list, sharegpt] of [
    ['messages', false],
    ['conversations', true],
  ] as const) {
    const items = out[list];
    if (Array.isArray(items)) out[list] = items.map((item) => (isObject(item) ? mapMessage(mapping, item, sharegpt) : item));
  }
  return out;
}

/** Message keys to the ones the shape reads (`role`/`content`, or ShareGPT's `from`/`value`), then the speaker through `roles`. */
function mapMessage(mapping: ColumnMapping, message: Record<string, unknown>, sharegpt: boolean): Record<string, unknown> {
  const [roleKey, contentKey] = sharegpt ? ['from', 'value'] : ['role', 'content'];
  const out = { ...message };
  const taken: [string, unknown, boolean][] = [];
  for (const [source, target] of [
    [mapping.role, roleKey],
    [mapping.content, contentKey],
  ] as const) {
    if (source === undefined) continue;
    const has = Object.hasOwn(out, source);
    taken.push([target, out[source], has]);
    delete out[source];
  }
  for (const [target, value, has] of taken) {
    delete out[target];
    if (has) out[target] = value;
  }
  const role = out[roleKey];
  if (typeof role === 'string' && Object.hasOwn(mapping.roles, role)) out[roleKey] = mapping.roles[role];
  return out;
}

/** The kept columns of a record as one JSON object text, in the order asked (a missing column is null). */
export function keptColumnsOf(record: unknown, keep: readonly string[]): string {
  const out: Record<string, unknown> = {};
  for (const name of keep) out[name] = isObject(record) && Object.hasOwn(record, name) ? record[name] : null;
  return JSON.stringify(out);
}

/** A record error on a mapped field also names the dataset's column (`completion` is `answer` there). */
export function explainColumn(mapping: ColumnMapping, error: unknown): unknown {
  if (!(error instanceof RecordError)) return error;
  const top = error.field.split(/[[.]/)[0] ?? '';
  const column = RECORD_FIELD_SET.has(top) && Object.hasOwn(mapping.columns, top) ? mapping.columns[top] : undefined;
  if (column === undefined) return error;
  return new RecordError(error.record, error.field, `${error.detail} — input column \`${column}\``, { cause: error });
}
