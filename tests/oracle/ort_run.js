// ort_run.js - runs an ONNX model in ONNX Runtime (bench/ort's
// onnxruntime-node, one thread, all graph optimizations) on a raw float32
// input and writes output 0 as raw float32: the oracle of the runtime's
// quantized-model tests. A batch of N runs as N runs of one frame (the
// exports fix their batch at 1), outputs concatenated.
// Usage: node ort_run.js ORT_DIR MODEL INPUT.f32 N,C,H,W OUTPUT.f32
'use strict';
const fs = require('fs');
const path = require('path');

async function main() {
  const [ortDir, model, input, dims, output] = process.argv.slice(2);
  const ort = require(path.resolve(ortDir, 'node_modules', 'onnxruntime-node'));
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: 1, interOpNumThreads: 1,
  });
  const buf = fs.readFileSync(input);
  const x = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
  const shape = dims.split(',').map(Number);
  const frame = x.length / shape[0];
  const parts = [];
  for (let f = 0; f < shape[0]; f++) {
    const xf = x.subarray(f * frame, (f + 1) * frame);
    const feeds = {[session.inputNames[0]]:
                   new ort.Tensor('float32', xf, [1, ...shape.slice(1)])};
    const y = (await session.run(feeds))[session.outputNames[0]].data;
    parts.push(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
  }
  fs.writeFileSync(output, Buffer.concat(parts));
}

main().catch((e) => {
  console.error(`ort_run.js: ${e.message}`);
  process.exit(1);
});
