// run.mjs - end to end against a running AVP (`avp up`): sign in, create a
// project, upload a clip, process it, watch progress reach 100 %, browse
// detections, see boxes in the player, make ground truth with the model,
// evaluate the run and see its metrics and the player's TP/FP/FN strip,
// compare it with another run, open a device test session and watch its
// results follow posted events, edit the class map, operations.
// Screenshots of every page go to AVP_SHOTS (default web/e2e/shots).
//
//   AVP_URL=http://127.0.0.1:8080 AVP_USER=admin AVP_PASSWORD=... npm run e2e
//
// Optional: AVP_CLIP (video to upload), AVP_MODEL (ONNX model uploaded when
// the server has none), AVP_SHOTS, CHROMIUM_PATH, AVP_E2E_TIMEOUT_S.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { axeCheck, env, focusCheck, launch, signIn } from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const shared = process.env.AVP_SHARED_DIR ?? path.resolve(here, '../../../shared');
const BASE = env('AVP_URL').replace(/\/$/, '');
const USER = env('AVP_USER');
const PASSWORD = env('AVP_PASSWORD');
const CLIP = env('AVP_CLIP', path.join(shared, 'media/photos_720p.mp4'));
const MODEL = env('AVP_MODEL', path.join(shared, 'models/yolox_nano.onnx'));
const SHOTS = env('AVP_SHOTS', path.join(here, 'shots'));
const TIMEOUT = Number(process.env.AVP_E2E_TIMEOUT_S ?? 300) * 1000;

const steps = [];
let current = '';
async function step(name, fn) {
  current = name;
  const t0 = Date.now();
  await fn();
  steps.push({ name, ms: Date.now() - t0 });
  console.log(`ok  ${name} (${Date.now() - t0} ms)`);
}

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

let shots = 0;
// AVP_AXE=report prints serious violations too instead of failing on them.
const AXE_FAIL = process.env.AVP_AXE !== 'report';
/** A screenshot of the page, and an accessibility check of it (axe-core)
 * in the light and the dark theme: serious or critical violations fail the
 * step. */
async function shot(page, name) {
  shots++;
  await page.screenshot({ path: path.join(SHOTS, `${String(shots).padStart(2, '0')}-${name}.png`), fullPage: true });
  // Both themes: styles.css has a dark palette for prefers-color-scheme.
  const blocking = await axeCheck(page, name);
  await page.emulateMedia({ colorScheme: 'dark' });
  blocking.push(...(await axeCheck(page, `${name} (dark)`)).map((v) => ({ ...v, id: `${v.id} (dark)` })));
  await page.emulateMedia({ colorScheme: 'light' });
  if (blocking.length && AXE_FAIL) {
    throw new Error(`accessibility: ${blocking.map((v) => `${v.impact} ${v.id} (${v.count})`).join(', ')} on ${name}`);
  }
}

/** Every stop Tab reaches on the page shows where the focus is; a
 * screenshot shows the last one. */
async function focusShot(page, name) {
  const { stops, missing, end } = await focusCheck(page);
  console.log(`    focus ${name}: ${stops} tab stops (then ${end})${missing.length ? `, no visible focus on: ${missing.join(', ')}` : ''}`);
  check(missing.length === 0, `a visible focus indicator on every tab stop of ${name}`);
  await page.keyboard.press('Shift+Tab'); // back from past the end onto the last stop
  await page.screenshot({ path: path.join(SHOTS, `focus-${name}.png`) });
}

/** The server needs a model to process with; upload one if it has none. */
async function ensureModel(page) {
  const list = await page.request.get(BASE + '/api/models?limit=100');
  check(list.ok(), `GET /api/models answers (${list.status()})`);
  if ((await list.json()).items.length) return;
  const r = await page.request.post(`${BASE}/api/models?name=yolox_nano`, {
    data: fs.readFileSync(MODEL), headers: { 'Content-Type': 'application/octet-stream' }, timeout: 120_000,
  });
  check(r.ok(), `POST /api/models accepted the model (${r.status()} ${await r.text()})`);
}

async function main() {
  fs.mkdirSync(SHOTS, { recursive: true });
  check(fs.existsSync(CLIP), `clip ${CLIP} exists`);
  const { context, close } = await launch();
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(30_000);
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  // Chromium reports what the server's Content-Security-Policy refused
  // only on the console: the UI must need nothing the policy forbids.
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) pageErrors.push(m.text());
  });
  try {
    await step('sign in', async () => {
      await page.goto(BASE + '/login');
      await shot(page, 'login');
      await signIn(page, BASE, USER, PASSWORD);
      await shot(page, 'projects');
    });
    const projectName = `e2e ${new Date().toISOString()}`;
    let projectPath = '';
    let videoPath = '';
    let runId = 0;
    await step('create a project', async () => {
      await page.getByRole('button', { name: 'New project' }).click();
      await page.getByLabel('Name').fill(projectName);
      await page.getByLabel('Camera model').fill('Dashcam X1');
      await page.getByLabel('Resolution').fill('1280x720');
      await page.getByRole('button', { name: 'Create project' }).click();
      await page.getByRole('heading', { name: projectName }).waitFor();
      check(/\/projects\/\d+$/.test(page.url()), 'landed on the project page');
      projectPath = new URL(page.url()).pathname;
    });
    await step('upload a clip', async () => {
      await page.getByLabel('Video files').setInputFiles(CLIP);
      await page.locator('.upload-done').first().waitFor({ timeout: TIMEOUT });
      const name = path.basename(CLIP);
      await page.getByRole('link', { name }).first().waitFor();
      await shot(page, 'project-uploaded');
      await focusShot(page, 'project');
    });
    await step('process it and watch progress reach 100 %', async () => {
      await ensureModel(page);
      await page.getByRole('link', { name: path.basename(CLIP) }).first().click();
      await page.getByRole('button', { name: 'Start run' }).waitFor();
      await page.getByRole('button', { name: 'Start run' }).click();
      const task = page.getByTestId('task-progress').first();
      await task.waitFor();
      const seen = new Set();
      const deadline = Date.now() + TIMEOUT;
      for (;;) {
        const state = await task.getAttribute('data-state');
        const pct = await page.getByTestId('task-percent').first().textContent();
        seen.add(pct);
        if (state === 'done') break;
        check(state !== 'failed' && state !== 'cancelled', `task ended ${state}`);
        check(Date.now() < deadline, 'run finished in time');
        await page.waitForTimeout(100);
      }
      const final = await page.getByTestId('task-percent').first().textContent();
      check(final?.trim() === '100 %', `progress shows 100 % (it shows ${final})`);
      console.log(`    progress values seen: ${[...seen].join(', ')}`);
      await page.getByRole('link', { name: 'Browse detections' }).waitFor({ timeout: 15_000 });
      videoPath = new URL(page.url()).pathname;
      runId = Number((await page.getByRole('link', { name: 'Browse detections' }).getAttribute('href')).match(/runs\/(\d+)/)[1]);
      await shot(page, 'video-processed');
    });
    await step('browse detections', async () => {
      await page.getByRole('link', { name: 'Browse detections' }).click();
      const list = page.getByTestId('detection-list');
      await list.locator('.det-row').first().waitFor();
      const n = await list.locator('.det-row').count();
      check(n > 0, 'detections are listed');
      await list.evaluate((el) => el.scrollBy(0, 2000));
      await page.waitForTimeout(500);
      await shot(page, 'detections');
      const classSelect = page.getByLabel('Class');
      const person = await classSelect.locator('option').filter({ hasText: /^person/ }).first().getAttribute('value');
      await classSelect.selectOption(person);
      await page.waitForTimeout(800);
      const classes = await list.locator('.det-class').allTextContents();
      check(classes.length > 0 && classes.every((c) => c.startsWith('person')), `class filter shows only persons (${classes.slice(0, 3)})`);
      await shot(page, 'detections-person');
      await focusShot(page, 'detections');
    });
    await step('open the player and see boxes', async () => {
      // The first person row: opens the player at its frame.
      const href = await list0(page).getAttribute('href');
      await list0(page).click();
      await page.waitForURL((u) => u.pathname.endsWith('/player'));
      check(href?.includes('/player?t='), `a detection opens the player at its time (${href})`);
      const video = page.getByTestId('player-video');
      await video.waitFor();
      await page.waitForFunction(() => document.querySelector('video')?.readyState >= 2, null, { timeout: 30_000 });
      const overlay = page.getByTestId('player-overlay');
      await page.waitForFunction(() => Number(document.querySelector('[data-testid=player-overlay]')?.dataset.boxes) > 0, null, { timeout: 30_000 });
      const painted = await overlay.evaluate((c) => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i]) n++;
        return n;
      });
      check(painted > 100, `boxes are drawn on the overlay (${painted} pixels)`);
      await page.keyboard.press('ArrowRight');
      await page.waitForTimeout(300);
      await shot(page, 'player');
    });
    await step('edit ground truth in the player (mouse and keyboard)', async () => {
      const videoId = Number(videoPath.split('/').pop());
      const serverBoxes = () => page.evaluate(async (id) => {
        const r = await fetch(`/api/videos/${id}/ground-truth?limit=1000`);
        return (await r.json()).items.filter((g) => g.source === 'human');
      }, videoId);
      const answered = (method) => page.waitForResponse((r) => r.request().method() === method && /\/ground-truth/.test(r.url()));
      check((await serverBoxes()).length === 0, 'no human ground truth yet');
      await page.getByLabel(/Player controls/).focus();
      await page.keyboard.press('e');
      await page.getByText('No box selected (N selects one)').waitFor();
      // Add: draw a box with the mouse.
      const r = await page.getByTestId('player-overlay').boundingBox();
      const added = answered('POST');
      await page.mouse.move(r.x + r.width * 0.3, r.y + r.height * 0.3);
      await page.mouse.down();
      await page.mouse.move(r.x + r.width * 0.4, r.y + r.height * 0.45, { steps: 5 });
      await page.mouse.up();
      check((await added).status() === 201, 'the drawn box was stored');
      let [box] = await serverBoxes();
      check(box && box.x2 - box.x1 > 50 && !box.validated, `the server lists the drawn box (${JSON.stringify(box)})`);
      // Move: drag it with the mouse (select it on the way).
      const moved = answered('PATCH');
      await page.mouse.move(r.x + r.width * 0.35, r.y + r.height * 0.35);
      await page.mouse.down();
      await page.mouse.move(r.x + r.width * 0.45, r.y + r.height * 0.40, { steps: 5 });
      await page.mouse.up();
      check((await moved).ok(), 'the move was stored');
      const before = box;
      [box] = await serverBoxes();
      check(box.x1 > before.x1 + 50 && box.y1 > before.y1 + 20 && box.x2 - box.x1 === before.x2 - before.x1,
        `the server has the box moved, same size (${JSON.stringify(before)} -> ${JSON.stringify(box)})`);
      // Keyboard: Shift+Right nudges it 10 px, V validates it.
      await page.getByLabel(/Player controls/).focus();
      const nudged = answered('PATCH');
      await page.keyboard.press('Shift+ArrowRight');
      check((await nudged).ok(), 'the nudge was stored');
      const validated = answered('PATCH');
      await page.keyboard.press('v');
      check((await validated).ok(), 'the validation was stored');
      const last = box;
      [box] = await serverBoxes();
      check(box.x1 === last.x1 + 10 && box.validated === true, `nudged and validated on the server (${JSON.stringify(box)})`);
      await page.getByText(/human · validated/).waitFor();
      await shot(page, 'player-gt-edit');
      // Delete from the keyboard.
      const deleted = answered('DELETE');
      await page.keyboard.press('Delete');
      check((await deleted).status() === 204, 'the delete was accepted');
      check((await serverBoxes()).length === 0, 'the server no longer lists the box');
      await page.keyboard.press('e');
      await focusShot(page, 'player');
    });
    await step('auto ground truth on the video', async () => {
      await page.goto(BASE + videoPath);
      await page.getByRole('button', { name: 'Auto ground truth' }).click();
      const task = page.locator('.current-task', { hasText: 'Auto ground truth' }).getByTestId('task-progress');
      await task.waitFor();
      await waitForState(task, 'done');
      const videoId = videoPath.split('/').pop();
      const r = await page.request.get(`${BASE}/api/videos/${videoId}/ground-truth/export?format=coco`);
      check(r.ok(), `COCO export answers (${r.status()})`);
      const coco = await r.json();
      check(coco.annotations?.length > 0, `the model made ground truth (${coco.annotations?.length} boxes exported)`);
      console.log(`    ${coco.annotations.length} ground-truth boxes made by the model`);
      await shot(page, 'auto-ground-truth');
    });
    await step('evaluate the run and see the metrics', async () => {
      await page.goto(`${BASE}/runs/${runId}/results`);
      await page.getByRole('heading', { name: /Results · run #/ }).waitFor();
      await page.getByRole('button', { name: 'Evaluate' }).click();
      const table = page.locator('.metrics-table').first();
      await table.waitFor({ timeout: 60_000 });
      const overall = await table.locator('tfoot td').allTextContents();
      check(Number(overall[0].replace(/,/g, '')) > 0, `true positives counted (${overall.slice(0, 3)})`);
      console.log(`    overall TP / FP / FN ${overall.slice(0, 3).join(' / ')}, precision ${overall[3]}, recall ${overall[4]}`);
      await page.getByRole('img', { name: 'Precision–recall' }).waitFor();
      await shot(page, 'results');
      await focusShot(page, 'results');
      await page.getByRole('link', { name: 'Player' }).click();
      await page.waitForFunction(() => Number(document.querySelector('[data-testid=timeline]')?.dataset.outcomes) > 0, null, { timeout: 30_000 });
      await shot(page, 'player-outcomes');
    });
    await step('compare with the auto ground truth run', async () => {
      // The model's ground truth came from a run of its own on the same
      // video; evaluated too, it can be compared with the processed run.
      const runs = (await (await page.request.get(`${BASE}/api/videos/${videoPath.split('/').pop()}/runs`)).json()).items;
      const other = runs.find((r) => r.id !== runId && r.state === 'done');
      check(other, `a second finished run on the video (${runs.map((r) => r.id)})`);
      const ev = await page.request.post(`${BASE}/api/runs/${other.id}/evaluate`, { data: { score_threshold: 0.25 } });
      check(ev.status() === 201, `run ${other.id} evaluated (${ev.status()})`);
      await page.goto(`${BASE}/runs/${runId}/results`);
      await page.getByLabel(/Run B/).selectOption(String(other.id));
      await page.getByText('Δ B − A').waitFor();
      const frames = page.getByRole('link', { name: /in run B$/ });
      const n = await frames.count();
      console.log(`    ${n} differing frames listed`);
      await shot(page, 'compare');
      if (n) {
        await frames.first().click();
        await page.waitForURL((u) => u.pathname === `/runs/${other.id}/player`);
        await page.getByTestId('player-overlay').waitFor();
      }
    });
    await step('device test session', async () => {
      await page.goto(BASE + projectPath);
      const card = page.locator('section', { has: page.getByRole('heading', { name: 'Device test sessions' }) });
      await card.getByText('No test sessions yet').waitFor();
      await card.getByRole('button', { name: 'New session' }).click();
      await card.getByLabel('Name').fill('e2e device');
      await card.getByRole('button', { name: 'Create session' }).click();
      await page.waitForURL(/\/test-sessions\/\d+$/);
      const sessionId = page.url().split('/').pop();
      await page.getByTestId('session-precision').waitFor();
      // A device reports one detection at the first ground-truth box's time:
      // the live results (WebSocket, else polling) must count it.
      const gt = await (await page.request.get(`${BASE}/api/videos/${videoPath.split('/').pop()}/ground-truth?limit=1`)).json();
      const g = gt.items[0];
      const r = await page.request.post(`${BASE}/api/test-sessions/${sessionId}/events`, {
        data: { events: [{ class: g.class, confidence: 0.9, t: g.t + 0.05, box: [g.x1, g.y1, g.x2, g.y2] }] },
      });
      check(r.status() === 201, `events accepted (${r.status()} ${await r.text()})`);
      await page.waitForFunction(() => document.querySelector('[data-testid=session-precision]')?.textContent?.trim() === '100.0 %', null, { timeout: 15_000 });
      await page.getByRole('heading', { name: /Events/ }).waitFor();
      await shot(page, 'test-session');
    });
    // Last of the validation steps: a map changes how every later score counts.
    await step('class map', async () => {
      await page.goto(BASE + projectPath);
      await page.getByText('No map: every class is scored as itself.').waitFor();
      await page.getByRole('button', { name: 'Add row' }).click();
      await page.getByLabel('Class 1', { exact: true }).fill('cow');
      await page.getByLabel('Counts as 1', { exact: true }).fill('horse');
      await page.getByRole('button', { name: 'Save map' }).click();
      await page.getByText('Saved').waitFor();
      const m = await (await page.request.get(`${BASE}/api/projects/${projectPath.split('/').pop()}/class-map`)).json();
      check(m.map?.cow === 'horse', `class map stored (${JSON.stringify(m)})`);
    });
    await step('operations page', async () => {
      await page.getByRole('link', { name: 'Operations' }).click();
      await page.getByRole('heading', { name: 'Operations' }).waitFor();
      await page.getByText('Request latency per route').waitFor();
      await shot(page, 'operations');
    });
    check(pageErrors.length === 0, `no uncaught errors in the page (${pageErrors.join(' | ')})`);
    console.log(`e2e passed: ${steps.length} steps, screenshots in ${SHOTS}`);
  } catch (e) {
    await page.screenshot({ path: path.join(SHOTS, 'failure.png'), fullPage: true }).catch(() => undefined);
    console.error(`FAIL at "${current}": ${e.message}`);
    if (pageErrors.length) console.error(`page errors: ${pageErrors.join(" | ")}`);
    process.exitCode = 1;
  } finally {
    await close();
  }
}

/** Polls a task-progress element until its state is `state`. */
async function waitForState(task, state) {
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    const s = await task.getAttribute('data-state');
    if (s === state) return;
    check(s !== 'failed' && s !== 'cancelled', `task ended ${s}`);
    check(Date.now() < deadline, `task reached ${state} in time`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const list0 = (page) => page.getByTestId('detection-list').locator('.det-row').first();

main();
