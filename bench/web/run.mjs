// bench/web/run.mjs - the web UI with a run of 1,000,000 detections on a
// production build served by avp: first render of each page, scroll FPS
// and long tasks in the detections list, and the JS heap. Prints a table
// and writes bench/web/out/result.json. Not part of any test run.
//
//   cd web && npm ci && npm run build        # avp serves web/dist
//   AVP_URL=... AVP_USER=admin AVP_PASSWORD=... AVP_RUN=<run id> npm run bench
//
// A run with 1M detections: see seed.sql (README.md in this folder).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { env, launch, signIn } from '../../web/e2e/lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const BASE = env('AVP_URL').replace(/\/$/, '');
const RUN = env('AVP_RUN');
const SCROLL_S = Number(process.env.AVP_SCROLL_S ?? 5);
const ROUNDS = Number(process.env.AVP_ROUNDS ?? 3);
const PLAY_S = Number(process.env.AVP_PLAY_S ?? 5);

// Installed before any page script: records when a selector first shows
// up (first render) and every long task (> 50 ms on the main thread).
const PROBE = () => {
  window.__longTasks = [];
  new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__longTasks.push(e.duration)))
    .observe({ type: 'longtask', buffered: true });
  window.__firstSeen = (sel) => new Promise((resolve) => {
    const check = () => {
      if (document.querySelector(sel)) {
        resolve(performance.now());
        return true;
      }
      return false;
    };
    if (check()) return;
    const mo = new MutationObserver(() => check() && mo.disconnect());
    mo.observe(document, { childList: true, subtree: true });
  });
};

const PAGES = [
  { name: 'projects', path: '/', ready: 'main table, main .state-empty' },
  { name: 'detections', path: `/runs/${RUN}/detections`, ready: '.det-row' },
  { name: 'player', path: `/runs/${RUN}/player`, ready: '[data-testid=player-overlay]' },
  { name: 'results', path: `/runs/${RUN}/results`, ready: '.metrics-table, main .card .state' },
  { name: 'operations', path: '/ops', ready: '.stats' },
];

/** Main-thread time the renderer has spent so far (DevTools metrics, ms):
 * all tasks, of which script, layout and style. The difference of two
 * reads on one page says how much work a phase cost, however loaded the
 * machine is (a navigation restarts the counters). */
async function cpu(cdp) {
  const { metrics } = await cdp.send('Performance.getMetrics');
  const m = Object.fromEntries(metrics.map((x) => [x.name, x.value * 1000]));
  return { task: m.TaskDuration, script: m.ScriptDuration, layout: m.LayoutDuration, style: m.RecalcStyleDuration };
}

const busy = (a, b) => Object.fromEntries(Object.keys(a).map((k) => [k, Math.round(b[k] - a[k])]));

/** ms from navigation start to the page's content in the DOM over ROUNDS
 * loads: the median, and the fastest (least disturbed by other load). */
async function firstRender(page, p) {
  const times = [];
  for (let i = 0; i < ROUNDS; i++) {
    await page.goto(BASE + p.path, { waitUntil: 'commit' });
    times.push(await page.evaluate((sel) => window.__firstSeen(sel), p.ready));
  }
  times.sort((a, b) => a - b);
  return { median: Math.round(times[Math.floor(times.length / 2)]), min: Math.round(times[0]) };
}

/** Scrolls the detection list at a steady speed for SCROLL_S seconds;
 * counts frames, frames over 20 ms and long tasks; rows loaded. */
async function scrollFps(page) {
  return page.evaluate(async (seconds) => {
    const list = document.querySelector('[data-testid=detection-list]');
    window.__longTasks.length = 0;
    const gaps = [];
    const t0 = performance.now();
    let last = t0;
    // The position is kept here and only written: reading scrollTop back
    // each frame would force a layout a user's wheel never causes.
    let pos = list.scrollTop;
    await new Promise((done) => {
      const frame = (now) => {
        gaps.push(now - last);
        last = now;
        pos += 30; // ~1800 px/s at 60 FPS: a fast, steady wheel
        list.scrollTop = pos;
        if (now - t0 < seconds * 1000) requestAnimationFrame(frame);
        else done();
      };
      requestAnimationFrame(frame);
    });
    const elapsed = (performance.now() - t0) / 1000;
    gaps.sort((a, b) => a - b);
    return {
      fps: gaps.length / elapsed,
      p95FrameMs: gaps[Math.floor(gaps.length * 0.95)],
      framesOver20ms: gaps.filter((g) => g > 20).length,
      longTasks: window.__longTasks.length,
      longestTaskMs: Math.max(0, ...window.__longTasks),
      rowsReached: Math.round(list.scrollTop / 56),
      domRows: list.querySelectorAll('.det-row').length,
    };
  }, SCROLL_S);
}

/** Plays the video in the player for PLAY_S seconds: long tasks on the
 * main thread (the overlay redraws and the page re-renders per presented
 * frame), animation-frame gaps, and video frames presented per second. */
async function playback(page) {
  return page.evaluate(async (seconds) => {
    const v = document.querySelector('video');
    window.__longTasks.length = 0;
    let presented = 0;
    const onFrame = () => {
      presented++;
      v.requestVideoFrameCallback(onFrame);
    };
    v.requestVideoFrameCallback(onFrame);
    const gaps = [];
    let last = performance.now();
    const t0 = last;
    await v.play();
    await new Promise((done) => {
      const frame = (now) => {
        gaps.push(now - last);
        last = now;
        if (now - t0 < seconds * 1000 && !v.ended) requestAnimationFrame(frame);
        else done();
      };
      requestAnimationFrame(frame);
    });
    v.pause();
    const elapsed = (performance.now() - t0) / 1000;
    gaps.sort((a, b) => a - b);
    return {
      seconds: Number(elapsed.toFixed(2)),
      videoFps: presented / elapsed,
      fps: gaps.length / elapsed,
      p95FrameMs: gaps[Math.floor(gaps.length * 0.95)],
      longTasks: window.__longTasks.length,
      longestTaskMs: Math.max(0, ...window.__longTasks),
    };
  }, PLAY_S);
}

async function heapMb(page, cdp) {
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics } = await cdp.send('Performance.getMetrics');
  return metrics.find((m) => m.name === 'JSHeapUsedSize').value / 2 ** 20;
}

async function main() {
  const { context, close } = await launch({ width: 1440, height: 900 });
  await context.addInitScript(PROBE);
  const page = context.pages()[0] ?? (await context.newPage());
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  try {
    await signIn(page, BASE, env('AVP_USER'), env('AVP_PASSWORD'));
    const run = await (await page.request.get(`${BASE}/api/runs/${RUN}`)).json();
    const result = { run: Number(RUN), detections: run.detections_count, firstRenderMs: {}, firstRenderMinMs: {}, at: new Date().toISOString() };
    for (const p of PAGES) {
      const r = await firstRender(page, p);
      result.firstRenderMs[p.name] = r.median;
      result.firstRenderMinMs[p.name] = r.min;
    }
    await page.goto(`${BASE}/runs/${RUN}/detections`);
    await page.waitForSelector('.det-row');
    let c0 = await cpu(cdp);
    result.scroll = await scrollFps(page);
    result.scroll.mainThread = busy(c0, await cpu(cdp));
    result.heapAfterScrollMb = Number((await heapMb(page, cdp)).toFixed(1));
    await page.goto(`${BASE}/runs/${RUN}/player`);
    await page.waitForSelector('[data-testid=player-overlay]');
    await page.waitForFunction(() => document.querySelector('video')?.readyState >= 2, null, { timeout: 30_000 });
    c0 = await cpu(cdp);
    result.playback = await playback(page);
    result.playback.mainThread = busy(c0, await cpu(cdp));
    await page.evaluate(() => document.querySelector('video')?.play().catch(() => undefined));
    await page.waitForTimeout(1000);
    result.heapPlayerMb = Number((await heapMb(page, cdp)).toFixed(1));

    console.log(`run ${RUN}: ${result.detections} detections`);
    for (const [k, v] of Object.entries(result.firstRenderMs)) {
      console.log(`first render ${k.padEnd(11)} ${String(v).padStart(5)} ms median, ${String(result.firstRenderMinMs[k]).padStart(5)} ms fastest  (target < 300)`);
    }
    const s = result.scroll;
    console.log(`scroll ${SCROLL_S}s: ${s.fps.toFixed(1)} FPS (target 60), p95 frame ${s.p95FrameMs.toFixed(1)} ms, ${s.framesOver20ms} frames > 20 ms, ${s.longTasks} long tasks (longest ${s.longestTaskMs.toFixed(0)} ms), ${s.rowsReached} rows scrolled, ${s.domRows} rows in the DOM`);
    const per = (m, frames) => `main thread ${m.task} ms (script ${m.script}, layout ${m.layout}, style ${m.style}) = ${(m.task / frames).toFixed(1)} ms per frame`;
    console.log(`  scroll ${per(s.mainThread, s.fps * SCROLL_S)}`);
    const pb = result.playback;
    console.log(`player ${pb.seconds}s of playback: ${pb.videoFps.toFixed(1)} video frames/s presented, ${pb.fps.toFixed(1)} FPS, p95 frame ${pb.p95FrameMs.toFixed(1)} ms, ${pb.longTasks} long tasks (longest ${pb.longestTaskMs.toFixed(0)} ms; target none > 50 ms)`);
    console.log(`  playback ${per(pb.mainThread, pb.fps * pb.seconds)}`);
    console.log(`JS heap after scroll ${result.heapAfterScrollMb} MB, in the player ${result.heapPlayerMb} MB (target < 50)`);
    fs.mkdirSync(path.join(here, 'out'), { recursive: true });
    fs.writeFileSync(path.join(here, 'out/result.json'), JSON.stringify(result, null, 2) + '\n');
  } finally {
    await close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
