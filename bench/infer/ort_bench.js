#!/usr/bin/env node
// ort_bench.js MODEL [--batch B] [--threads T] [--runs R] [--warmup W] [--profile PREFIX]
//
// The ONNX Runtime side of bench/infer/run: times session.run() on random
// 0..255 input with ORT's CPU provider (all graph optimizations, sequential
// execution, T intra-op threads, one inter-op thread) and prints one
// key=value line like bench_infer and opencv_bench.py do. A model whose
// input batch is fixed at 1 runs B batch-1 runs per timed run
// (mode=fixed_batch_1); a free batch dimension runs one batched call
// (mode=batched). --profile writes ORT's own per-op profile (JSON) to
// PREFIX_<date>.json.
'use strict';
const path = require('path');
const ort = require(path.join(__dirname, '../ort/node_modules/onnxruntime-node'));

function parseArgs(argv) {
    const a = { model: null, batch: 1, threads: 2, runs: 7, warmup: 2, profile: null };
    for (let i = 0; i < argv.length; i++) {
        const key = argv[i].replace(/^--/, '');
        if (argv[i].startsWith('--') && key in a && i + 1 < argv.length)
            a[key] = key === 'profile' ? argv[++i] : Number(argv[++i]);
        else if (!argv[i].startsWith('-') && !a.model)
            a.model = argv[i];
        else
            return null;
    }
    const ok = a.model && [a.batch, a.threads, a.runs].every((v) => Number.isInteger(v) && v > 0);
    return ok ? a : null;
}

function randomInput(dims) {
    const data = new Float32Array(dims.reduce((x, y) => x * y, 1));
    let s = 12345;
    for (let i = 0; i < data.length; i++) {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        data[i] = s >>> 24;
    }
    return new ort.Tensor('float32', data, dims);
}

const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e3; };
const median = (v) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)];

async function main() {
    const a = parseArgs(process.argv.slice(2));
    if (!a) {
        console.error('usage: ort_bench.js MODEL [--batch B] [--threads T] [--runs R] [--warmup W] [--profile PREFIX]');
        return 2;
    }
    const opt = {
        executionProviders: ['cpu'], intraOpNumThreads: a.threads, interOpNumThreads: 1,
        graphOptimizationLevel: 'all', executionMode: 'sequential',
    };
    if (a.profile) Object.assign(opt, { enableProfiling: true, profileFilePrefix: a.profile });
    const s = await ort.InferenceSession.create(a.model, opt);
    const meta = s.inputMetadata[0];
    const fixed = typeof meta.shape[0] === 'number';
    const perCall = fixed ? 1 : a.batch;
    const feeds = { [s.inputNames[0]]: randomInput([perCall, ...meta.shape.slice(1)]) };
    const calls = a.batch / perCall;
    const ms = [], cpu = [];
    for (let i = 0; i < a.warmup + a.runs; i++) {
        const t0 = performance.now(), c0 = cpuMs();
        for (let k = 0; k < calls; k++) await s.run(feeds);
        if (i >= a.warmup) {
            ms.push((performance.now() - t0) / a.batch);
            cpu.push((cpuMs() - c0) / a.batch);
        }
    }
    if (a.profile) s.endProfiling();
    console.log(`ort batch=${a.batch} threads=${a.threads} runs=${a.runs} ` +
        `ms_per_frame=${median(ms).toFixed(2)} min=${Math.min(...ms).toFixed(2)} ` +
        `max=${Math.max(...ms).toFixed(2)} cpu_ms_per_frame=${median(cpu).toFixed(2)} ` +
        `mode=${a.batch === 1 ? 'single' : fixed ? 'fixed_batch_1' : 'batched'} version=${ort.env.versions.common}`);
    return 0;
}

main().then((rc) => { process.exitCode = rc; }, (e) => { console.error(`ort_bench.js: ${e.message}`); process.exitCode = 1; });
