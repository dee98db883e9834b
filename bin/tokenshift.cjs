#!/usr/bin/env node
// The `tokenshift` command; see `tokenshift --help`.
require('../dist/cjs/cli/main.js')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
