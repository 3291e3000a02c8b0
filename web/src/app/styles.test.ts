// The phone layout is CSS: jsdom lays nothing out, so this reads the rules
// a 390 px screen gets (the end-to-end run measures the real pages).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

// vitest runs in web/ (package.json).
const css = readFileSync(resolve(process.cwd(), 'src/app/styles.css'), 'utf8');
const phone = css.slice(css.indexOf('@media (max-width: 700px)'));
const rule = (sel: string) => new RegExp(`${sel.replace(/[.*]/g, (c) => '\\' + c)}\\s*\\{([^}]*)\\}`).exec(phone)?.[1] ?? '';

describe('a 390 px screen', () => {
  it('wraps the top bar instead of clipping Sign out', () => {
    expect(rule('.topbar')).toMatch(/flex-wrap:\s*wrap/);
    expect(rule('.topbar')).toMatch(/height:\s*auto/);
  });

  it('scrolls tables and the detections list inside their card', () => {
    expect(rule('.card .table')).toMatch(/overflow-x:\s*auto/);
    expect(rule('.card')).toMatch(/overflow-x:\s*auto/);
    expect(css).toMatch(/\.det-table \{ overflow-x: auto; \}/);
  });

  it('lets two-column grids fall to one column', () => {
    expect(css).toMatch(/minmax\(min\(420px, 100%\), 1fr\)/);
    expect(rule('.run-form')).toMatch(/grid-template-columns:\s*1fr;/);
  });
});
