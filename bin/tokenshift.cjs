#!/usr/bin/env node
// The `tokenshift` command; see `tokenshift --help`.
// A reader that stops early (`tokenshift inspect ... | head`) closes the pipe: for the commands that show
// something (inspect, lint, doctor, merge-stats) that is a normal end. For `prepare --output -` stdout is
// the dataset: rows it could not take are rows lost, so that is a failure, never exit 0. Any other write
// error (a full disk: ENOSPC) is said in one line, not a stack trace.
const dataOnStdout = process.argv[2] === 'prepare';
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    const isStdout = stream === process.stdout;
    if (error.code === 'EPIPE' && !(isStdout && dataOnStdout)) process.exit(process.exitCode ?? 0);
    if (isStdout) {
      const why = error.code === 'EPIPE' ? 'the reader closed it early: the rows written are incomplete' : error.message;
      process.stderr.write(`tokenshift: cannot write to stdout (${error.code ?? 'error'}): ${why}\n`);
    }
    process.exit(1);
  });
}
require('../dist/cjs/cli/main.js')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
    // Done: exit now, not once Node has freed every tokenizer on its way out (the 0.23 and 1.0 engines of a
    // large vocabulary are millions of allocations, tens of ms that the OS frees at once). After pending
    // events (a failed write reports itself above), and only when nothing waits to be written: stdout to a
    // pipe is asynchronous on some systems.
    setImmediate(() => {
      const idle = (stream) => stream.writableLength === 0 && !stream.errored;
      if (idle(process.stdout) && idle(process.stderr)) process.exit(code);
    });
  });
