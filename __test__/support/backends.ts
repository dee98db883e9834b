// The backends a test file runs through: both when the addon loads, else TS only (with a printed reason,
// and never under TOKENSHIFT_BACKEND=native, where a missing addon is a failure).

import { nativeStatus, type BackendKind } from '../../dist/esm/index.mjs';

export function testBackends(): BackendKind[] {
  const status = nativeStatus();
  if (status.available) return ['native', 'ts'];
  if (process.env.TOKENSHIFT_BACKEND === 'native') throw new Error(`native backend required but unavailable: ${status.reason}`);
  console.warn(`[tokenshift tests] native backend unavailable, testing the TS backend only: ${status.reason}`);
  return ['ts'];
}
