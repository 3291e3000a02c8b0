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
