// ort_run.js - ONNX Runtime (CPU, from bench/ort/node_modules) as an
// oracle: runs MODEL on one input tensor and writes every output.
//
// usage: node ort_run.js ORT_DIR MODEL INPUT TYPE DIMS OUTPUT
//   INPUT   raw little-endian tensor bytes, TYPE "float32" or "float16"
//           (float16 as IEEE half bits: the caller converts, so ORT gets
//           exactly the values a half export is fed)
//   DIMS    comma-separated, e.g. 1,3,64,64
//   OUTPUT  raw bytes of output 0, 1, ... in graph order; OUTPUT.json holds
//           [{name, type, dims}] so the caller can decode them
// One frame per call: run_reference.py loops over frames, as graphs
// exported for batch 1 must be run.
'use strict';
const fs = require('fs');
const path = require('path');

async function main() {
  const [ortDir, model, input, type, dimsArg, output] = process.argv.slice(2);
  if (!output || (type !== 'float32' && type !== 'float16')) {
    console.error('usage: node ort_run.js ORT_DIR MODEL INPUT float32|float16 DIMS OUTPUT');
    process.exit(2);
  }
  const ort = require(path.join(ortDir, 'node_modules', 'onnxruntime-node'));
  const dims = dimsArg.split(',').map(Number);
  const bytes = fs.readFileSync(input);
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
  const data = type === 'float16' ? new Uint16Array(buf) : new Float32Array(buf);
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: 1, graphOptimizationLevel: 'all'});
  const feeds = {[session.inputNames[0]]: new ort.Tensor(type, data, dims)};
  const results = await session.run(feeds);
  const meta = [];
  const parts = [];
  for (const name of session.outputNames) {
    const t = results[name];
    meta.push({name, type: t.type, dims: t.dims});
    parts.push(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  fs.writeFileSync(output, Buffer.concat(parts));
  fs.writeFileSync(output + '.json', JSON.stringify(meta));
}

main().catch((e) => {
  console.error(`ort_run.js: ${e.message}`);
  process.exit(1);
});
