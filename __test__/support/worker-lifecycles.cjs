// Run as a child process by workers.test.ts, so that a crash of the addon (a segfault when a worker
// loads it again) fails that test instead of killing the test runner. The main thread never loads the
// addon: that is the case a worker pool recycling its workers meets. Prints one JSON line per step.
const { Worker } = require('node:worker_threads');

const [entry, tokenizerDir] = process.argv.slice(2);
const body = `
  const { Tokenizer } = require(${JSON.stringify(entry)});
  const { parentPort, workerData } = require('node:worker_threads');
  const t = Tokenizer.fromDir(workerData.dir, { backend: 'native' });
  const texts = Array.from({ length: workerData.texts }, (_, i) => 'text number ' + i + ' from a worker');
  if (workerData.asyncWork) {
    // Keep native async work in flight when the worker is terminated.
    for (let i = 0; i < 8; i++) t.encodeBatchAsync(texts).catch(() => {});
    parentPort.postMessage({ started: true });
  } else {
    const batch = t.encodeBatch(texts);
    parentPort.postMessage({ backend: t.backend, tokens: batch.ids.length });
  }`;

function run(options) {
  const worker = new Worker(body, { eval: true, workerData: { dir: tokenizerDir, texts: 200, ...options } });
  return new Promise((resolve, reject) => {
    worker.once('message', (message) => resolve({ worker, message }));
    worker.once('error', reject);
  });
}

async function main() {
  const step = (name, value) => console.log(JSON.stringify({ step: name, ...value }));
  // Load, exit, then load again in a fresh worker.
  for (let i = 0; i < 3; i++) {
    const { worker, message } = await run({});
    const code = await new Promise((resolve) => worker.once('exit', resolve));
    step(`sequential-${i}`, { ...message, code });
  }
  // Terminate a worker while its native async work is in flight, then load again.
  for (let i = 0; i < 3; i++) {
    const { worker } = await run({ asyncWork: true, texts: 20000 });
    await worker.terminate();
    step(`terminated-${i}`, { terminated: true });
  }
  // Many workers at once, twice over.
  for (let round = 0; round < 2; round++) {
    const results = await Promise.all(Array.from({ length: 6 }, () => run({})));
    for (const { worker } of results) await worker.terminate();
    step(`parallel-${round}`, { backends: results.map((r) => r.message.backend), tokens: results.map((r) => r.message.tokens) });
  }
  step('done', {});
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
