// ort_stream.js ORT_DIR MODEL C H W THREADS - ONNX Runtime (onnxruntime-node,
// installed by scripts/ort.sh into bench/ort/node_modules) as an oracle
// that streams: reads frames as raw float32 [1, C, H, W] from stdin and,
// for each, writes the model's first output as raw float32 to stdout, in
// order, so a caller holds one frame at a time. Used by
// reference_detect.py.
'use strict';

const ort = require(process.argv[2]);

function writeAll(buf) {
  return new Promise((resolve) => {
    if (process.stdout.write(buf)) resolve();
    else process.stdout.once('drain', resolve);
  });
}

async function main() {
  const [model, c, h, w, threads] = process.argv.slice(3);
  const dims = [1, Number(c), Number(h), Number(w)];
  const bytes = dims[1] * dims[2] * dims[3] * 4;
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: Number(threads),
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const input = session.inputNames[0];
  const output = session.outputNames[0];
  const frame = new Float32Array(bytes / 4);
  const view = Buffer.from(frame.buffer);
  let filled = 0;
  for await (const chunk of process.stdin) {
    let at = 0;
    while (at < chunk.length) {
      const n = Math.min(chunk.length - at, bytes - filled);
      chunk.copy(view, filled, at, at + n);
      filled += n;
      at += n;
      if (filled === bytes) {
        const out = await session.run({ [input]: new ort.Tensor('float32', frame, dims) });
        const data = out[output].data;
        await writeAll(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
        filled = 0;
      }
    }
  }
  if (filled !== 0) throw new Error(`ort_run.js: ${filled} bytes of a partial frame`);
}

main().catch((e) => {
  process.stderr.write(`ort_run.js: ${e.message}\n`);
  process.exit(1);
});
