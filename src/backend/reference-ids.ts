// The TS backend must give the ids the Rust `tokenizers` crate gives (the reference). Two places where
// @huggingface/tokenizers reads a tokenizer.json differently:
// - added tokens: the crate ignores each one's declared `id` and numbers them itself — the model's id when
//   the content is in the model's vocabulary, else the next id after the vocabulary, in file order
//   (`AddedVocabulary::add_tokens`). A file whose declared ids have gaps, or exceed 2^31, gets other ids.
// - the model section: the crate refuses an unknown `model.type` or a vocabulary of the wrong shape.
// Both backends also refuse ids of 2^31 and above: labels are int32.

const MODEL_TYPES = ['BPE', 'WordPiece', 'WordLevel', 'Unigram'];
export const MAX_TOKEN_ID = 2 ** 31 - 1;

interface AddedTokenJson {
  id?: unknown;
  content?: unknown;
}

/** Why the crate would refuse this model section, or null. */
export function modelShapeDefect(tokenizer: unknown): string | null {
  const model = (tokenizer as { model?: unknown } | null)?.model;
  if (model === null || typeof model !== 'object' || Array.isArray(model)) return 'model must be an object';
  const { type, vocab } = model as { type?: unknown; vocab?: unknown };
  if (type !== undefined && !MODEL_TYPES.includes(type as string)) return `model.type ${JSON.stringify(type)} is not one of ${MODEL_TYPES.join(', ')}`;
  if (type === 'Unigram' || (type === undefined && Array.isArray(vocab))) {
    if (!Array.isArray(vocab) || !vocab.every((e) => Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'number'))
      return 'model.vocab must be a list of [piece, score] pairs';
    if (vocab.length > MAX_TOKEN_ID) return `model.vocab has ids of 2^31 and above (labels are int32)`;
    return null;
  }
  if (vocab === null || typeof vocab !== 'object' || Array.isArray(vocab)) return 'model.vocab must be an object of token → id';
  for (const [token, id] of Object.entries(vocab)) {
    if (!Number.isInteger(id) || (id as number) < 0 || (id as number) > 0xffffffff)
      return `model.vocab[${JSON.stringify(token)}] must be a whole number id, got ${JSON.stringify(id)}`;
    if ((id as number) > MAX_TOKEN_ID)
      return `model.vocab[${JSON.stringify(token)}] = ${id as number}: ids of 2^31 and above are not supported (labels are int32)`;
  }
  return null;
}

/** The tokenizer JSON with `added_tokens[].id` as the crate assigns them. */
export function withReferenceAddedTokenIds(tokenizer: Record<string, unknown>): Record<string, unknown> {
  const added = tokenizer.added_tokens;
  const model = tokenizer.model as { vocab?: unknown } | undefined;
  if (!Array.isArray(added) || model === undefined) return tokenizer;
  const vocab = model.vocab;
  const modelIds = new Map<string, number>();
  if (Array.isArray(vocab))
    vocab.forEach((entry, id) => Array.isArray(entry) && typeof entry[0] === 'string' && !modelIds.has(entry[0]) && modelIds.set(entry[0], id));
  else if (vocab !== null && typeof vocab === 'object') for (const [token, id] of Object.entries(vocab)) if (typeof id === 'number') modelIds.set(token, id);
  const vocabSize = Array.isArray(vocab) ? vocab.length : modelIds.size;
  const addedIds = new Map<string, number>();
  let next = vocabSize;
  const renumbered = (added as AddedTokenJson[]).map((token) => {
    if (typeof token?.content !== 'string' || token.content === '') return token;
    let id = addedIds.get(token.content) ?? modelIds.get(token.content);
    if (id === undefined) id = next++;
    addedIds.set(token.content, id);
    return id === token.id ? token : { ...token, id };
  });
  return { ...tokenizer, added_tokens: renumbered };
}
