// run.mjs - end to end against a running AVP (`avp up`), as a newcomer
// without admin rights meets it (issue 16): sign in, see no operations
// page, create a project and follow its next-step prompts (upload a clip,
// a file that is no video refused in one line naming it; add a model from
// the UI; process it and watch progress reach 100 %), browse detections
// (the server's class counts, column headers, a jump to a frame), see
// boxes and the whole run's timeline in the player, edit ground truth,
// have an evaluation without ground truth refused with a link to make
// some, import a ground-truth file and evaluate against it (its file named
// on the results page), make auto ground truth and see the score flagged
// as against the model's own output, compare runs, get a not-found page
// for bad addresses, open a device test session, edit the class map; then
// the admin's operations page. Every page is shot at 1440 and 390 px wide
// in the light and the dark theme (AVP_SHOTS, default web/e2e/shots) and
// must not be wider than a 390 px screen nor show routes or error codes.
//
//   AVP_URL=http://127.0.0.1:8080 AVP_USER=admin AVP_PASSWORD=... \
//   AVP_NEW_USER=newcomer AVP_NEW_PASSWORD=... npm run e2e
//
// Optional: AVP_CLIP (video to upload), AVP_MODEL (ONNX model uploaded when
// the server has none), AVP_SHOTS, CHROMIUM_PATH, AVP_E2E_TIMEOUT_S.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { axeCheck, env, focusCheck, launch, signIn } from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const shared = process.env.AVP_SHARED_DIR ?? path.resolve(here, '../../../shared');
const BASE = env('AVP_URL').replace(/\/$/, '');
const USER = env('AVP_USER');
const PASSWORD = env('AVP_PASSWORD');
const NEW_USER = env('AVP_NEW_USER');
const NEW_PASSWORD = env('AVP_NEW_PASSWORD');
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
const WIDE = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };
// What a person should never read: a route, a status with its code, a code.
const API_WORDS = /\/api\/|\b(?:GET|POST|PATCH|DELETE) \/|\((?:[45]\d\d )?[a-z]+_[a-z_]+\)|\bHTTP [45]\d\d\b|\bvia (?:websocket|polling)\b|run #NaN/;

/** At 390 px nothing is wider than the screen (what is wider scrolls
 * inside its card) and Sign out is whole on it. */
async function phoneCheck(page, name) {
  const r = await page.evaluate(() => {
    const out = document.querySelector('.user button')?.getBoundingClientRect();
    // The outermost elements that stick out, to name in a failure.
    const wide = [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1
      && !(e.parentElement?.getBoundingClientRect().right > window.innerWidth + 1))
      .slice(0, 4).map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}`);
    return { width: document.documentElement.scrollWidth, screen: window.innerWidth, signOut: out ? out.right : 0, wide };
  });
  check(r.width <= r.screen, `${name} fits a ${r.screen} px screen (it is ${r.width} px wide: ${r.wide.join(', ')})`);
  check(r.signOut <= r.screen, `Sign out is whole at ${r.screen} px on ${name} (its right edge at ${r.signOut})`);
}

/** Screenshots of the page at 1440 and 390 px in the light and the dark
 * theme, an accessibility check (axe-core) in both themes (serious or
 * critical violations fail the step), the phone check, and no API words in
 * what the page says. */
async function shot(page, name, { routesShown = false } = {}) {
  shots++;
  const file = (w, theme) => path.join(SHOTS, `${String(shots).padStart(2, '0')}-${name}-${w}-${theme}.png`);
  const text = await page.evaluate(() => document.body.innerText);
  // The operations page lists the API's routes by name: its subject.
  check(routesShown || !API_WORDS.test(text), `${name} speaks no API (${text.match(API_WORDS)?.[0]})`);
  const blocking = [];
  for (const theme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: theme });
    blocking.push(...(await axeCheck(page, `${name} (${theme})`)).map((v) => ({ ...v, id: `${v.id} (${theme})` })));
    await page.screenshot({ path: file(1440, theme), fullPage: true });
    await page.setViewportSize(PHONE);
    await page.waitForTimeout(150);
    await page.screenshot({ path: file(390, theme), fullPage: true });
    await phoneCheck(page, name);
    await page.setViewportSize(WIDE);
  }
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

/** A COCO ground-truth file as a labelling tool exports one (an image per
 * frame, frame_id its frame): the boxes of the run's confident detections
 * (every frame the run looked at), moved by a few pixels as a person's
 * would be. */
async function groundTruthFile(page, runId, classNames) {
  const r = await page.request.get(`${BASE}/api/runs/${runId}/detections.ndjson`);
  check(r.ok(), `the run's detections download (${r.status()})`);
  const dets = (await r.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((d) => d.score >= 0.5);
  check(dets.length > 0, 'the run has confident detections to label from');
  const frames = [...new Set(dets.map((d) => d.frame))];
  const cats = [...new Set(dets.map((d) => d.class_id))];
  const coco = {
    images: frames.map((f) => ({ id: f + 1, frame_id: f, file_name: `frame_${String(f).padStart(6, '0')}.jpg`, width: 1280, height: 720 })),
    annotations: dets.map((d, i) => ({ id: i + 1, image_id: d.frame + 1, category_id: cats.indexOf(d.class_id) + 1,
      bbox: [d.x1 + 3, d.y1 - 2, d.x2 - d.x1 - 4, d.y2 - d.y1 + 3], area: (d.x2 - d.x1) * (d.y2 - d.y1), iscrowd: 0 })),
    categories: cats.map((c, i) => ({ id: i + 1, name: classNames[c] })),
  };
  const file = path.join(SHOTS, 'street-labels.json');
  fs.writeFileSync(file, JSON.stringify(coco));
  return { file, boxes: dets.length, frames: frames.length };
}

async function main() {
  fs.mkdirSync(SHOTS, { recursive: true });
  check(fs.existsSync(CLIP), `clip ${CLIP} exists`);
  const { context, close } = await launch(WIDE);
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
    await step('sign in as a newcomer, who is offered no operations page', async () => {
      await page.goto(BASE + '/login');
      await shot(page, 'login');
      await signIn(page, BASE, NEW_USER, NEW_PASSWORD);
      await page.getByRole('link', { name: 'Account' }).waitFor();
      check(await page.getByRole('link', { name: 'Operations' }).count() === 0, 'no Operations link for a non-admin');
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
    await step('upload a clip as the empty project says, a file that is no video refused', async () => {
      await page.getByText('Next step: upload a video').waitFor();
      await shot(page, 'project-empty');
      const notVideo = path.join(SHOTS, 'notes.txt');
      fs.writeFileSync(notVideo, 'not a video\n');
      await page.getByLabel('Video files').setInputFiles(notVideo);
      const refused = page.locator('.upload-failed .form-error').first();
      await refused.waitFor({ timeout: TIMEOUT });
      const line = (await refused.textContent()).trim();
      check(/^notes\.txt was not uploaded: .+\.$/.test(line) && !line.includes('\n'), `the refusal names the file and why in one line (${line})`);
      console.log(`    ${line}`);
      await page.getByLabel('Video files').setInputFiles(CLIP);
      await page.locator('.upload-done').first().waitFor({ timeout: TIMEOUT });
      const name = path.basename(CLIP);
      await page.getByRole('link', { name }).first().waitFor();
      await shot(page, 'project-uploaded');
      await focusShot(page, 'project');
    });
    await step('add a model from the UI as the video page says', async () => {
      await page.getByRole('link', { name: path.basename(CLIP) }).first().click();
      const next = page.getByRole('region', { name: 'Next step' });
      await next.getByText('There is no model to run yet').waitFor();
      await shot(page, 'video-no-model');
      await next.getByLabel('ONNX model file').setInputFiles(MODEL);
      await next.getByRole('button', { name: 'Upload model' }).click();
      await next.getByText('Process this video').waitFor({ timeout: 120_000 });
    });
    await step('process it and watch progress reach 100 %', async () => {
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
      const next = page.getByRole('region', { name: 'Next step' });
      await next.getByText('this video has no ground truth').waitFor();
      for (const choice of ['Import a ground-truth file', 'Draw boxes in the player', 'Make auto ground truth']) {
        await next.getByRole('link', { name: choice }).waitFor();
      }
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
      const head = await page.locator('.det-head').innerText();
      for (const h of ['FRAME', 'TIME', 'CLASS', 'SCORE', 'BOX']) check(head.toUpperCase().includes(h), `the list has a ${h} column (${head})`);
      const run = await (await page.request.get(`${BASE}/api/runs/${runId}`)).json();
      const side = page.getByRole('complementary', { name: 'Classes of the whole run' });
      await side.locator('.class-counts li').first().waitFor();
      const counted = (await side.locator('.class-counts .num').allTextContents()).reduce((a, t) => a + Number(t.replace(/,/g, '')), 0);
      const loaded = await list.locator('.det-row').count();
      check(counted === run.detections_count || (await side.locator('.class-counts li').count()) === 12,
        `the class counts are the whole run's (${counted} of ${run.detections_count}, ${loaded} rows in view)`);
      await page.getByText(new RegExp(`${run.detections_count.toLocaleString('en-US')} detections match`)).waitFor();
      await shot(page, 'detections');
      // Jump to frame 120 (4 s at 30 fps): the list starts there.
      await page.getByLabel('Go to frame or time').fill('120');
      await page.getByRole('button', { name: 'Go' }).click();
      await page.waitForURL((u) => u.searchParams.get('t0') != null);
      await page.waitForTimeout(800);
      const first = Number((await list.locator('.det-row').first().innerText()).match(/#(\d+)/)[1]);
      check(first >= 120, `the list starts at frame 120 after the jump (first row frame ${first})`);
      await page.getByLabel('From (s)').fill('');
      const classSelect = page.getByRole('combobox', { name: /^Class/ });
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
      // The timeline counts the whole run at once, not the windows played.
      const run = await (await page.request.get(`${BASE}/api/runs/${runId}`)).json();
      await page.waitForFunction((n) => Number(document.querySelector('[data-testid=timeline]')?.dataset.detections) === n,
        run.detections_count, { timeout: 15_000 });
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
    await step('ignore regions drawn in the player are saved to the video, shaded', async () => {
      const videoId = Number(videoPath.split('/').pop());
      const video = await (await page.request.get(`${BASE}/api/videos/${videoId}`)).json();
      const rules = async () => (await (await page.request.get(`${BASE}/api/videos/${videoId}/evaluation-rules`)).json()).rules;
      const panel = page.getByRole('group', { name: 'Ignore regions' });
      await panel.getByRole('button', { name: 'Draw a region' }).click();
      const area = await page.getByTestId('ignore-regions').boundingBox();
      const corners = [[0.05, 0.1], [0.3, 0.1], [0.3, 0.4]];
      for (const [fx, fy] of corners) await page.mouse.click(area.x + area.width * fx, area.y + area.height * fy);
      await panel.getByRole('button', { name: 'Finish region' }).click();
      await page.waitForFunction(() => document.querySelector('[data-testid=ignore-regions]')?.dataset.regions === '1');
      const saved = await rules();
      const got = saved?.ignore_regions?.[0] ?? [];
      // In the displayed picture's pixels, whatever the page's size.
      check(got.length === 3 && got.every(([x, y], i) => Math.abs(x - corners[i][0] * video.width) < video.width * 0.03 &&
        Math.abs(y - corners[i][1] * video.height) < video.height * 0.03), `the corners are in video pixels (${JSON.stringify(got)})`);
      await shot(page, 'player-ignore-regions');
      // Taken away again: the evaluations below score the whole picture.
      await panel.getByRole('button', { name: 'Remove region 1' }).click();
      await page.waitForFunction(() => !document.querySelector('[data-testid=ignore-regions]'));
      check(!(await rules())?.ignore_regions, 'the region is gone from the video\'s rules');
    });
    await step('evaluation without ground truth is refused, with a way to make some', async () => {
      await page.goto(`${BASE}/runs/${runId}/results`);
      await page.getByRole('heading', { name: /Results · run #/ }).waitFor();
      await page.getByText('Next: evaluate it against the video').waitFor();
      await page.getByRole('button', { name: 'Evaluate' }).click();
      await page.getByText('This video has no ground truth on the frames this run looked at').waitFor();
      check((await page.request.get(`${BASE}/api/runs/${runId}/evaluation`)).status() === 404, 'nothing was stored');
      await shot(page, 'results-refused');
      await page.getByRole('link', { name: 'Make or import ground truth' }).click();
      await page.waitForURL((u) => u.pathname === videoPath);
    });
    let imported = null;
    await step('import a ground-truth file and evaluate against it', async () => {
      const model = (await (await page.request.get(`${BASE}/api/models?limit=100`)).json()).items[0];
      imported = await groundTruthFile(page, runId, model.class_names);
      // As a labelling tool exports it: the COCO file inside a .zip.
      const zip = imported.file.replace(/\.json$/, '.zip');
      execFileSync('python3', ['-c', 'import sys, zipfile; zipfile.ZipFile(sys.argv[1], "w").write(sys.argv[2], "annotations/instances_default.json")', zip, imported.file]);
      const form = page.getByRole('form', { name: 'Import ground truth' });
      await form.getByLabel('Format').selectOption('coco');
      await form.getByLabel('File').setInputFiles(zip);
      await form.getByRole('button', { name: 'Check file' }).click();
      const preview = form.getByRole('group', { name: 'What street-labels.zip holds' });
      await preview.waitFor({ timeout: 60_000 });
      const report = await preview.innerText();
      check(/Boxes\s+/.test(report) && report.replace(/,/g, '').includes(String(imported.boxes)), `the check reports the file's boxes (${report})`);
      check(!(await (await page.request.get(`${BASE}/api/videos/${videoPath.split('/').pop()}/ground-truth?limit=1`)).json()).items.length,
        'the check wrote nothing');
      await shot(page, 'import-check');
      await form.getByRole('button', { name: `Import ${imported.boxes.toLocaleString('en-US')} boxes` }).click();
      await form.getByText(`Imported ${imported.boxes.toLocaleString('en-US')} boxes`).waitFor({ timeout: 60_000 });
      await form.getByRole('group', { name: 'Imported' }).waitFor();
      await shot(page, 'import-done');
      const next = page.getByRole('region', { name: 'Next step' });
      await next.getByRole('link', { name: `Evaluate run #${runId}` }).click();
      await page.getByRole('button', { name: 'Evaluate' }).click();
      const table = page.locator('.metrics-table').first();
      await table.waitFor({ timeout: 60_000 });
      const overall = await table.locator('tfoot td').allTextContents();
      check(Number(overall[0].replace(/,/g, '')) > 0, `true positives counted (${overall.slice(0, 3)})`);
      console.log(`    overall TP / FP / FN ${overall.slice(0, 3).join(' / ')}, precision ${overall[3]}, recall ${overall[4]}`);
      const card = page.getByRole('region', { name: 'Scored against' });
      await card.getByText(/Imported from street-labels\.zip \(COCO\)/).waitFor();
      const said = await card.innerText();
      check(said.includes(`${imported.boxes} ground-truth boxes on ${imported.frames} frames`), `box and frame counts shown (${said})`);
      check(await page.getByText('Scored against its own output.').count() === 0, 'an imported ground truth is not flagged');
      const ev = await (await page.request.get(`${BASE}/api/runs/${runId}/evaluation`)).json();
      check(ev.self_scored === false && ev.manifest.ground_truth.sources[0].file === 'street-labels.zip', 'the manifest names the file');
      await page.getByRole('img', { name: 'Precision–recall' }).waitFor();
      // The error types as the evaluation JSON has them (TIDE's counts).
      const tide = page.getByRole('region', { name: 'Error types' });
      for (const t of ['Cls', 'Loc', 'Both', 'Dupe', 'Bkg', 'Miss']) {
        const cells = await tide.locator('table').first().getByRole('row', { name: new RegExp(`^${t} `) }).getByRole('cell').allTextContents();
        check(cells[1].replace(/,/g, '') === String(ev.results.tide.errors[t].count), `${t} count shown (${cells} vs ${ev.results.tide.errors[t].count})`);
      }
      // The tracking table appears exactly when the JSON has tracking.
      check((await page.getByRole('region', { name: 'Tracking' }).count()) === (ev.results.tracking ? 1 : 0), 'tracking table iff tracking metrics');
      await shot(page, 'results');
      await focusShot(page, 'results');
      await page.getByRole('link', { name: 'Player' }).click();
      await page.waitForFunction(() => Number(document.querySelector('[data-testid=timeline]')?.dataset.outcomes) > 0, null, { timeout: 30_000 });
      await shot(page, 'player-outcomes');
    });
    await step('failure gallery: crops of the worst errors, filtered, into the player', async () => {
      await page.goto(`${BASE}/runs/${runId}/results`);
      const gallery = page.getByRole('region', { name: 'Worst failures' });
      const listed = (await (await page.request.get(`${BASE}/api/runs/${runId}/evaluation/failures?limit=200`)).json()).items;
      check(listed.length > 0, 'the moved ground truth leaves errors to show');
      const grid = gallery.getByRole('list', { name: 'Failures, worst first' });
      await grid.waitFor();
      // The crops are the server's JPEGs, loaded as images.
      await page.waitForFunction(() => [...document.querySelectorAll('.failure img')].some((i) => i.complete && i.naturalWidth > 0), null, { timeout: 60_000 });
      const type = listed[0].type;
      await gallery.getByLabel('Error type').selectOption(type);
      await page.waitForFunction((t) => [...document.querySelectorAll('.failure strong')].every((s) => s.textContent === t), type);
      await shot(page, 'failure-gallery');
      const first = listed.find((f) => f.type === type);
      await grid.getByRole('link').first().click();
      await page.waitForURL((u) => u.pathname === `/runs/${runId}/player` && u.searchParams.get('frame') === String(first.frame));
      await page.getByTestId('player-overlay').waitFor();
    });
    await step('auto ground truth by the same model gets the score flagged', async () => {
      await page.goto(BASE + videoPath);
      await page.getByRole('button', { name: 'Auto ground truth' }).click();
      const task = page.locator('.current-task', { hasText: 'Auto ground truth' }).getByTestId('task-progress');
      await task.waitFor();
      await waitForState(task, 'done');
      await shot(page, 'auto-ground-truth');
      await page.goto(`${BASE}/runs/${runId}/results`);
      await page.getByRole('button', { name: 'Evaluate again' }).click();
      await page.getByText('Scored against its own output.').waitFor({ timeout: 60_000 });
      await page.getByRole('region', { name: 'Scored against' }).getByText(/Auto ground truth by model/).waitFor();
      const ev = await (await page.request.get(`${BASE}/api/runs/${runId}/evaluation`)).json();
      check(ev.self_scored === true && ev.ground_truth.self_boxes > 0, `the evaluation JSON is flagged (${ev.ground_truth?.self_boxes} boxes by the model)`);
      await shot(page, 'results-self-scored');
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
      await page.getByRole('table', { name: 'Overall metrics of both runs' }).getByText('Δ B − A').waitFor();
      await page.getByRole('table', { name: new RegExp(`AP50 points each error type costs, run #${runId} and run #${other.id}`) }).waitFor();
      check(await page.getByRole('table', { name: 'Overall metrics of both runs' }).getByText('scored against its own output').count() === 2,
        'both runs are flagged in the comparison');
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
    await step('a not-found page for addresses that lead nowhere', async () => {
      for (const p of ['/videos/abc', '/runs/abc/results', '/runs/999999/results', '/no/such/page']) {
        await page.goto(BASE + p);
        await page.getByRole('heading', { name: /does not exist$/ }).waitFor({ timeout: 10_000 });
        check(!(await page.evaluate(() => document.body.innerText)).includes('NaN'), `no NaN on ${p}`);
      }
      await shot(page, 'not-found');
      await page.getByRole('link', { name: 'Go to your projects' }).click();
      await page.getByRole('heading', { name: 'Projects' }).waitFor();
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
    await step('the operations page, for an admin', async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByLabel('Username').waitFor();
      await signIn(page, BASE, USER, PASSWORD);
      await page.getByRole('link', { name: 'Operations' }).click();
      await page.getByRole('heading', { name: 'Operations' }).waitFor();
      await page.getByText('Request latency per route').waitFor();
      // avp up without --monitoring: the history and alerts say why they are empty.
      await page.getByText('No Prometheus runs beside this server').first().waitFor();
      await shot(page, 'operations', { routesShown: true });
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
