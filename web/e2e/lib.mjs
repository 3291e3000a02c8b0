// lib.mjs - what the end-to-end script and the bench share: Debian's
// chromium through playwright-core (never a downloaded browser), a fresh
// profile per run, and sign-in.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function env(name, fallback) {
  const v = process.env[name] ?? fallback;
  if (v === undefined) {
    console.error(`${name} is not set (see web/README.md)`);
    process.exit(2);
  }
  return v;
}

/** A browser context on a fresh profile (playwright passes it to chromium
 * as --user-data-dir), removed again by close(). */
export async function launch(viewport = { width: 1440, height: 900 }) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'avp-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function signIn(page, base, user, password) {
  await page.goto(base + '/login');
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Projects' }).waitFor({ timeout: 15_000 });
}

const AXE_SOURCE = fs.readFileSync(new URL('../node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');
const BLOCKING = new Set(['serious', 'critical']);

/** Runs axe-core (WCAG 2.1 A/AA rules and best practices) on the page as
 * it is now. Serious and critical violations are returned to fail on;
 * the rest are printed. */
export async function axeCheck(page, where) {
  // Evaluated, not added as a <script>: the UI's Content-Security-Policy
  // refuses inline scripts, and the check must not weaken it.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${n.failureSummary?.split('\n').slice(1).join('; ')}`),
      count: v.nodes.length,
    }));
  });
  const blocking = violations.filter((v) => BLOCKING.has(v.impact));
  for (const v of violations) {
    console.log(`    axe ${where}: ${v.impact} ${v.id} (${v.count}) ${v.help}`);
    for (const n of v.nodes) console.log(`      ${n}`);
  }
  return blocking;
}

/** Tabs through the first `max` stops of the page and returns those that
 * show no focus indicator (no outline and no box-shadow while focused),
 * and why the walk ended (back at a stop already seen, or on <body>). */
export async function focusCheck(page, max = 25) {
  // Tab goes on from the last focused or clicked element; start at the top.
  await page.evaluate(() => {
    const start = document.createElement('span');
    start.tabIndex = -1;
    start.id = 'focus-walk-start';
    document.body.prepend(start);
    start.focus();
  });
  const token = String(Date.now());
  const missing = [];
  let stops = 0;
  let end = `${max} stops`;
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const f = await page.evaluate((token) => {
      const el = document.activeElement;
      if (!el || el === document.body) return { end: 'body' };
      const label = `${el.tagName.toLowerCase()} "${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 30)}"`;
      if (el.dataset.focusWalk === token) return { end: `back at ${label}` };
      el.dataset.focusWalk = token;
      const s = getComputedStyle(el);
      const visible = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1) || (s.boxShadow && s.boxShadow !== 'none');
      return { label, visible };
    }, token);
    if (f.end) { end = f.end; break; }
    stops++;
    if (!f.visible) missing.push(f.label);
  }
  await page.evaluate(() => document.getElementById('focus-walk-start')?.remove());
  return { stops, missing, end };
}
