// int8_ort.js - times ONNX Runtime (bench/ort's onnxruntime-node) on one
// model for bench/infer/int8_run: warm-up, then `runs` timed runs of batch
// 1, printed as one key=value line in bench_infer's format (median and
// min wall ms per frame, median CPU ms per frame of the whole process).
// Usage: node int8_ort.js ORT_DIR MODEL THREADS RUNS
'use strict';
const path = require('path');

async function main() {
  const [ortDir, model, threads, runs] = process.argv.slice(2);
  const ort = require(path.resolve(ortDir, 'node_modules', 'onnxruntime-node'));
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: Number(threads), interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const meta = session.inputMetadata ? session.inputMetadata[0] : null;
  const shape = meta && meta.shape ? meta.shape.map((d) => (typeof d === 'number' ? d : 1))
                                   : [1, 3, 640, 640];
  const x = new Float32Array(shape.reduce((a, b) => a * b, 1));
  let s = 12345;
  for (let i = 0; i < x.length; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    x[i] = (s >>> 24) / 255;
  }
  const feeds = {[session.inputNames[0]]: new ort.Tensor('float32', x, shape)};
  const ms = [], cpu = [];
  for (let i = 0; i < 2 + Number(runs); i++) {
    const t0 = process.hrtime.bigint(), c0 = process.cpuUsage();
    await session.run(feeds);
    const c = process.cpuUsage(c0);
    if (i >= 2) {
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
      cpu.push((c.user + c.system) / 1e3);
    }
  }
  const med = (v) => v.slice().sort((a, b) => a - b)[Math.floor(v.length / 2)];
  console.log(`ort threads=${threads} runs=${runs} ms_per_frame=${med(ms).toFixed(2)} ` +
              `min=${Math.min(...ms).toFixed(2)} cpu_ms_per_frame=${med(cpu).toFixed(2)}`);
}

main().catch((e) => {
  console.error(`int8_ort.js: ${e.message}`);
  process.exit(1);
});
