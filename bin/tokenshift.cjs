#!/usr/bin/env node
// The `tokenshift` command; see `tokenshift --help`.
// A reader that stops early (`tokenshift inspect ... | head`) closes the pipe: that is a normal end, not a crash.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}
require('../dist/cjs/cli/main.js')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
