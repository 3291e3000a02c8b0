// frames.mjs - does the player's frame agree with AVP's on every frame?
// Clips of each kind cameras write are made here with Debian's ffmpeg,
// uploaded to a running server (scripts/e2e.sh starts it) and opened by
// Debian's chromium from the server's stream, as the player opens them.
// Stepping frame by frame (a seek per frame, never real-time playback),
// requestVideoFrameCallback says which frame chromium presents (mediaTime,
// presentedFrames); the player's own mapping (frameAt, transpiled from
// web/src) turns that into a frame index, with the frame times the API
// serves once a run has decoded the clip (each clip is processed with the
// server's first model, which web/e2e/run.mjs uploaded), which must be
// AVP's index for that frame, and mediaTime must be AVP's t (frames_json,
// the decode path of `avp detect`). Chromium's picture size must be AVP's
// display size.
// MPEG-TS is what browsers do not play: the test checks that the server's
// stream is refused as unsupported, which the player says on its stage.
// Env: AVP_URL, AVP_USER, AVP_PASSWORD, AVP_FRAMES_TOOL (frames_json).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { env, launch, signIn } from './lib.mjs';

const BASE = env('AVP_URL');
const TOOL = env('AVP_FRAMES_TOOL');
const PHOTOS = '/usr/share/darknet/data';
/** chromium reports mediaTime in microseconds of the container's clock. */
const T_TOL = 1e-3;

/** The player's frameAt, from its source, not a copy of it. */
async function playerFrameAt() {
  const src = fs.readFileSync(new URL('../src/features/player/components/geometry.ts', import.meta.url), 'utf8');
  const js = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  return (await import('data:text/javascript;base64,' + Buffer.from(js).toString('base64'))).frameAt;
}

const ffmpeg = (...args) => execFileSync('ffmpeg', ['-v', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'inherit'] });

/** A zooming clip of a photo, as tests/media/fixtures.c makes them. */
function clip(dir, name, photo, size, frames, out) {
  const file = path.join(dir, name);
  ffmpeg('-loop', '1', '-i', `${PHOTOS}/${photo}.jpg`, '-vf',
    `zoompan=z='1+0.01*on':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=1:s=${size}:fps=10,format=yuv420p`,
    '-frames:v', String(frames), ...out, file);
  return file;
}

const X264 = ['-c:v', 'libx264', '-preset', 'ultrafast'];

/** Each kind the issue names. */
function fixtures(dir) {
  const j = (n) => path.join(dir, n);
  const src = clip(dir, 'src.mp4', 'dog', '320x240', 20, X264);
  const vfr = j('vfr.mp4');
  // Every third frame 40 ms late: gaps of 140, 60 and 100 ms.
  ffmpeg('-i', src, '-vf', "setpts='(N*0.1+0.04*eq(mod(N,3),1))/TB'", '-fps_mode', 'passthrough',
    '-enc_time_base', '1/1000', ...X264, vfr);
  const elSrc = clip(dir, 'el_src.mp4', 'horses', '320x240', 40, [...X264, '-bf', '2', '-g', '20']);
  const el = j('edit_list.mp4');
  ffmpeg('-ss', '0.75', '-i', elSrc, '-c', 'copy', el);
  const rot = (deg) => { const f = j(`rot${deg}.mp4`); ffmpeg('-i', src, '-c', 'copy', '-metadata:s:v', `rotate=${deg}`, f); return f; };
  const a = clip(dir, 'a.ts', 'dog', '160x120', 20, [...X264, '-bf', '2', '-output_ts_offset', '100', '-f', 'mpegts']);
  const b = clip(dir, 'b.ts', 'kite', '160x120', 20, [...X264, '-bf', '2', '-output_ts_offset', '50', '-f', 'mpegts']);
  const joined = j('clock_jumps.ts');
  fs.writeFileSync(joined, Buffer.concat([a, b, a].map((f) => fs.readFileSync(f))));
  return [
    { kind: 'B-frames', file: clip(dir, 'bframes.mp4', 'dog', '320x240', 20, [...X264, '-bf', '3']) },
    { kind: 'variable frame rate', file: vfr },
    { kind: 'edit list (cut by stream copy)', file: el },
    { kind: 'negative start', file: clip(dir, 'negative.mp4', 'person', '320x240', 20, [...X264, '-bf', '2', '-output_ts_offset', '-0.5']) },
    { kind: 'display matrix 90', file: rot(90) },
    { kind: 'display matrix 270', file: rot(270) },
    // x264 refuses odd sizes in 4:2:0; VP9 (WebM) is how odd sizes reach a browser.
    { kind: 'odd size 321x241', file: clip(dir, 'odd.webm', 'kite', '321x241', 20, ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8']) },
    { kind: 'MPEG-TS with clock jumps', file: joined, unplayable: true },
  ];
}

/** AVP's display size and {index, t} of every frame. */
function avpFrames(file) {
  const lines = execFileSync(TOOL, [file], { encoding: 'utf8' }).trim().split('\n').map((l) => JSON.parse(l));
  return { size: lines[0], frames: lines.slice(1) };
}

/** Runs the model over the video (the worker decodes every frame and
 * records their times) and returns the times the player fetches. */
async function processedTimes(page, video, modelId) {
  const r = await page.request.post(`${BASE}/api/videos/${video.id}/process`, { data: { model_id: modelId }, headers: { Origin: BASE } });
  if (r.status() !== 202) throw new Error(`process: ${r.status()} ${await r.text()}`);
  const task = (await r.json()).task_id;
  for (const end = Date.now() + 180_000; Date.now() < end;) {
    const st = await (await page.request.get(`${BASE}/api/tasks/${task}/status`)).json();
    if (st.state === 'done') break;
    if (['failed', 'cancelled'].includes(st.state)) throw new Error(`task ${task}: ${st.state} ${st.error ?? ''}`);
    await new Promise((res) => setTimeout(res, 250));
  }
  const t = await page.request.get(`${BASE}/api/videos/${video.id}/frame-times`);
  if (t.status() !== 200) throw new Error(`frame-times: ${t.status()} after the run`);
  const buf = await t.body();
  return Float64Array.from({ length: buf.length / 8 }, (_, k) => buf.readDoubleLE(8 * k));
}

async function upload(page, projectId, file) {
  const r = await page.request.post(`${BASE}/api/projects/${projectId}/videos?filename=${path.basename(file)}`, {
    data: fs.readFileSync(file), headers: { 'Content-Type': 'application/octet-stream', Origin: BASE },
  });
  if (r.status() !== 201) throw new Error(`upload of ${path.basename(file)}: ${r.status()} ${await r.text()}`);
  return r.json();
}

/** In the page: opens the stream in a <video> and, for each seek time,
 * the presented frame's mediaTime and presentedFrames. */
function presentFrames({ src, seeks }) {
  return new Promise((resolve) => {
    const v = document.createElement('video');
    v.muted = true;
    v.preload = 'auto';
    v.onerror = () => resolve({ error: v.error?.code ?? -1, message: v.error?.message ?? '' });
    v.onloadeddata = async () => {
      const out = { width: v.videoWidth, height: v.videoHeight, frames: [] };
      for (const t of seeks) {
        const shown = new Promise((res) => v.requestVideoFrameCallback((_now, m) => res(m)));
        v.currentTime = t;
        const m = await shown;
        out.frames.push({ mediaTime: m.mediaTime, presentedFrames: m.presentedFrames });
      }
      v.remove();
      resolve(out);
    };
    v.src = src;
    document.body.append(v);
  });
}

/** Seek into the middle of each frame's display interval. */
function seekTimes(frames) {
  return frames.map((f, k) => (k + 1 < frames.length ? (f.t + frames[k + 1].t) / 2 : f.t + 0.01));
}

async function checkClip(page, frameAt, projectId, modelId, fx, failures) {
  const avp = avpFrames(fx.file);
  const video = await upload(page, projectId, fx.file);
  const fail = (what) => failures.push(`${fx.kind}: ${what}`);
  if (video.width !== avp.size.width || video.height !== avp.size.height) fail(`the API says ${video.width}x${video.height}, the decoder ${avp.size.width}x${avp.size.height}`);
  const seen = await page.evaluate(presentFrames, { src: `/api/videos/${video.id}/stream`, seeks: seekTimes(avp.frames) });
  if (fx.unplayable) {
    // 4: MEDIA_ERR_SRC_NOT_SUPPORTED, the error the player turns into its notice.
    if (seen.error !== 4) fail(`expected chromium to refuse the stream, got ${JSON.stringify(seen).slice(0, 200)}`);
    console.log(`  ${fx.kind}: chromium refuses it (${seen.message}); the player says so`);
    return;
  }
  if (seen.error) return fail(`chromium cannot play it: ${seen.message}`);
  if (seen.width !== avp.size.width || seen.height !== avp.size.height) fail(`chromium shows ${seen.width}x${seen.height}, AVP ${avp.size.width}x${avp.size.height}`);
  const times = await processedTimes(page, video, modelId);
  if (times.length !== avp.frames.length || avp.frames.some((f, k) => Math.abs(times[k] - f.t) > 1e-9)) {
    fail(`the API's ${times.length} frame times are not the decoder's ${avp.frames.length}`);
  }
  const off = [];
  avp.frames.forEach((f, k) => {
    const s = seen.frames[k];
    const shown = frameAt(s.mediaTime, video.fps, times);
    // Each step presents one new frame: the callback is that frame's.
    const fresh = k === 0 || s.presentedFrames > seen.frames[k - 1].presentedFrames;
    if (!fresh || Math.abs(s.mediaTime - f.t) > T_TOL || shown !== f.index) {
      off.push(`frame ${f.index} at t ${f.t}: mediaTime ${s.mediaTime}, player frame ${shown}, presentedFrames ${s.presentedFrames}`);
    }
  });
  if (off.length) fail(`${off.length} of ${avp.frames.length} frames disagree; first ${off[0]}`);
  console.log(`  ${fx.kind}: ${avp.frames.length} frames, ${seen.width}x${seen.height}`);
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'avp-frames-'));
  const { context, close } = await launch();
  const failures = [];
  try {
    const frameAt = await playerFrameAt();
    const page = await context.newPage();
    await signIn(page, BASE, env('AVP_USER'), env('AVP_PASSWORD'));
    const pr = await page.request.post(`${BASE}/api/projects`, { data: { name: `frames ${Date.now()}` }, headers: { Origin: BASE } });
    if (pr.status() !== 201) throw new Error(`project: ${pr.status()} ${await pr.text()}`);
    const projectId = (await pr.json()).id;
    const model = (await (await page.request.get(`${BASE}/api/models?limit=100`)).json()).items[0];
    if (!model) throw new Error('no model on the server: web/e2e/run.mjs uploads one first');
    for (const fx of fixtures(dir)) await checkClip(page, frameAt, projectId, model.id, fx, failures);
  } finally {
    await close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  failures.forEach((f) => console.error(`FAIL ${f}`));
  console.log(failures.length ? `frames: ${failures.length} failures` : 'frames: chromium and AVP agree on every frame');
  process.exit(failures.length ? 1 : 0);
}

main().catch((e) => { console.error(e); process.exit(1); });
