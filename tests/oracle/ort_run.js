// ort_run.js - ONNX Runtime (CPU, from bench/ort/node_modules; one thread,
// all graph optimizations) as an oracle: runs MODEL on an input tensor and
// writes every output.
//
// usage: node ort_run.js ORT_DIR MODEL INPUT TYPE DIMS OUTPUT
//   INPUT   raw little-endian tensor bytes, TYPE "float32" or "float16"
//           (float16 as IEEE half bits: the caller converts, so ORT gets
//           exactly the values a half export is fed)
//   DIMS    comma-separated, e.g. 2,3,64,64: a batch of N runs as N runs
//           of one frame (exports fix their batch at 1), and each output's
//           frames are concatenated
//   OUTPUT  raw bytes of output 0, 1, ... in graph order; OUTPUT.json holds
//           [{name, type, dims}] so the caller can decode them
'use strict';
const fs = require('fs');
const path = require('path');

async function main() {
  const [ortDir, model, input, type, dimsArg, output] = process.argv.slice(2);
  if (!output || (type !== 'float32' && type !== 'float16')) {
    console.error('usage: node ort_run.js ORT_DIR MODEL INPUT float32|float16 DIMS OUTPUT');
    process.exit(2);
  }
  const ort = require(path.resolve(ortDir, 'node_modules', 'onnxruntime-node'));
  const dims = dimsArg.split(',').map(Number);
  const bytes = fs.readFileSync(input);
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
  const data = type === 'float16' ? new Uint16Array(buf) : new Float32Array(buf);
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all'});
  const frame = data.length / dims[0];
  const outs = session.outputNames.map((name) => ({name, parts: []}));
  for (let f = 0; f < dims[0]; f++) {
    const x = data.subarray(f * frame, (f + 1) * frame);
    const feeds = {[session.inputNames[0]]: new ort.Tensor(type, x, [1, ...dims.slice(1)])};
    const results = await session.run(feeds);
    for (const o of outs) {
      const t = results[o.name];
      o.type = t.type;
      o.dims = [dims[0], ...t.dims.slice(1)];
      o.parts.push(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    }
  }
  fs.writeFileSync(output, Buffer.concat(outs.flatMap((o) => o.parts)));
  fs.writeFileSync(output + '.json', JSON.stringify(
    outs.map(({name, type: t, dims: d}) => ({name, type: t, dims: d}))));
}

main().catch((e) => {
  console.error(`ort_run.js: ${e.message}`);
  process.exit(1);
});
