// Twin of crates/tokenshift-core/src/chat/turn_starts.rs: where each trained assistant turn starts in the
// full rendering, found in one pass instead of one prefix render per turn (whose work grows with the
// square of the turns). The generation prompt is read off the first selected turn; when it occurs in the
// full rendering exactly once per assistant message, the j-th occurrence ends where the j-th assistant
// turn starts, and the first and last selected turns are checked against their real prefix renders.
// Otherwise the caller renders every prefix, as before: the answer is the same, only the cost differs.

/** Below this many trained turns, rendering each prefix costs no more than locating them. */
export const LOCATE_FROM_TURNS = 3;

/** String offsets in `full` where the `selected` turns start, or null when that cannot be shown this way. */
export function locateTurnStarts(
  full: string,
  selected: number[],
  assistant: number[],
  render: (upto: number, addGenerationPrompt: boolean) => string,
): number[] | null {
  const first = selected[0];
  const last = selected[selected.length - 1];
  if (first === undefined || last === undefined) return null;
  let firstPrefix: string;
  let firstPlain: string;
  let lastPrefix: string;
  try {
    // A render that fails here decides nothing: the per-prefix path reports whatever it finds.
    firstPrefix = render(first, true);
    firstPlain = render(first, false);
    lastPrefix = render(last, true);
  } catch {
    return null;
  }
  const prompt = turnOpening(firstPrefix, firstPlain, lastPrefix);
  if (prompt === '') return null;
  const ends: number[] = [];
  for (let at = full.indexOf(prompt); at !== -1; at = full.indexOf(prompt, at + prompt.length)) ends.push(at + prompt.length);
  // A template that always writes the prompt also ends the full rendering with it.
  if (ends.length === assistant.length + 1 && ends[ends.length - 1] === full.length) ends.pop();
  if (ends.length !== assistant.length) return null;
  // Both lists ascend, so one walk pairs each selected turn with its occurrence.
  const starts: number[] = [];
  let j = 0;
  for (const k of selected) {
    while (j < assistant.length && assistant[j] !== k) j++;
    const end = ends[j];
    if (end === undefined) return null;
    starts.push(end);
  }
  const proven = (start: number | undefined, prefix: string) => start === prefix.length && full.startsWith(prefix);
  return proven(starts[0], firstPrefix) && proven(starts[starts.length - 1], lastPrefix) ? starts : null;
}

/**
 * What every turn's prefix ends with: the generation prompt (the first prefix minus the same messages
 * rendered without it), or, for a template that writes the assistant header whatever
 * `add_generation_prompt` says (the original Llama 3 template), the text the first and last prefixes end
 * with alike. Empty when there is none.
 */
function turnOpening(firstPrefix: string, firstPlain: string, lastPrefix: string): string {
  if (firstPrefix.startsWith(firstPlain) && firstPrefix.length > firstPlain.length) return firstPrefix.slice(firstPlain.length);
  let common = 0;
  while (
    common < firstPrefix.length &&
    common < lastPrefix.length &&
    firstPrefix[firstPrefix.length - 1 - common] === lastPrefix[lastPrefix.length - 1 - common]
  )
    common++;
  return firstPrefix.slice(firstPrefix.length - common);
}
