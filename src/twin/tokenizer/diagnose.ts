// Twin of crates/tokenshift-core/src/tokenizer/diagnose.rs. @huggingface/tokenizers loads some broken
// files without complaint; this rejects them with the same explanation the native backend gives.

export function diagnoseModel(tokenizer: unknown): string | null {
  const model = (tokenizer as { model?: { merges?: unknown; vocab?: unknown } } | null)?.model;
  if (!model || !Array.isArray(model.merges) || model.vocab === null || typeof model.vocab !== 'object' || Array.isArray(model.vocab)) {
    return null;
  }
  const vocab = new Set(Object.keys(model.vocab));
  const merges: unknown[] = model.merges;
  for (let index = 0; index < merges.length; index++) {
    const merge = merges[index];
    let left: string;
    let right: string;
    if (typeof merge === 'string') {
      const parts = merge.split(' ');
      if (parts.length !== 2) {
        return `model.merges[${index}] ${JSON.stringify(merge)} must be two tokens separated by one space (found ${parts.length} parts)`;
      }
      [left, right] = parts as [string, string];
    } else if (Array.isArray(merge)) {
      if (merge.length !== 2 || typeof merge[0] !== 'string' || typeof merge[1] !== 'string') {
        return `model.merges[${index}] must be a pair of strings`;
      }
      [left, right] = merge as [string, string];
    } else {
      return `model.merges[${index}] must be a string or a pair of strings`;
    }
    for (const part of [left, right]) {
      if (!vocab.has(part)) return `model.merges[${index}] uses ${JSON.stringify(part)}, which is not in model.vocab`;
    }
    const merged = left + right;
    if (!vocab.has(merged)) {
      return `model.merges[${index}] ${JSON.stringify(left)} + ${JSON.stringify(right)} makes ${JSON.stringify(merged)}, which is not in model.vocab`;
    }
  }
  return null;
}
