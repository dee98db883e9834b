// Runs before every test file. Under TOKENSHIFT_BACKEND=native (set by .ci/run) a missing addon fails
// the run here, so a broken build can never pass as a silent TypeScript fallback.

import { nativeStatus } from '../../dist/esm/index.mjs';

const status = nativeStatus();
if (process.env.TOKENSHIFT_BACKEND === 'native' && !status.available) {
  throw new Error(`TOKENSHIFT_BACKEND=native but the addon did not load: ${status.reason}`);
}
