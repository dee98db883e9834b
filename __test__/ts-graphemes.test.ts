// The TS backend cuts long texts into pieces before grapheme segmentation (Intl.Segmenter slows down on long
// strings). The pieces must not change a single cluster: the runs equal those of the whole text segmented at once.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { graphemeRuns } from '../dist/cjs/backend/ts-normalize.js';

const whole = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

function referenceRuns(chars: string[]): [number, number][] {
  const runs: [number, number][] = [];
  let at = 0;
  for (const { segment } of whole.segment(chars.join(''))) {
    const n = [...segment].length;
    runs.push([at, at + n]);
    at += n;
  }
  return runs;
}

// ASCII (CR and LF included) next to the characters grapheme rules join: combining marks, ZWJ, emoji
// modifiers, regional indicators, Hangul jamo, prepend and spacing marks.
const pieces = [
  'a',
  ' ',
  '\r',
  '\n',
  '\r\n',
  '-',
  '\u0301',
  '\u0323',
  '\u200d',
  '\u{1F469}',
  '\u{1F3FD}',
  '\u{1F1EB}',
  '\u{1F1F7}',
  '\u1100',
  '\u1161',
  '\u11A8',
  '\u0600',
  '\u0915',
  '\u093F',
  '\uFE0F',
  'é',
  '中',
];

describe('grapheme runs of the TS charsmap step', () => {
  it('equal the runs of the whole text, for texts longer than one piece', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { minLength: 200, maxLength: 1500 }), (parts) => {
        const chars = [...parts.join('')];
        expect(graphemeRuns(chars)).toEqual(referenceRuns(chars));
      }),
      { numRuns: 300, seed: 20261128 },
    );
  });
});
