// ProjectsPage.test.tsx - the new-project form opens in place
// (components/inlineForm.ts). From the keyboard: focus goes to the first
// field, Escape closes the form and focus returns to the button that
// opened it (never to <body>).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ProjectsPage } from './ProjectsPage';
import { renderAt } from '../../../test/render';
import { json, stubFetch } from '../../../test/fetchStub';

afterEach(() => vi.unstubAllGlobals());

describe('inline forms from the keyboard', () => {
  it('new project: opens on Enter with the name focused, Escape closes it and focus returns', async () => {
    stubFetch({ 'GET /api/projects': () => json(200, { items: [], next_cursor: null }) });
    const user = userEvent.setup();
    renderAt(<ProjectsPage />);
    await screen.findByText('No projects yet');
    await user.tab(); // the page's first control is the New project button
    expect(screen.getByRole('button', { name: 'New project' })).toHaveFocus();
    await user.keyboard('{Enter}');
    expect(screen.getByLabelText('Name')).toHaveFocus();
    await user.keyboard('Dashcam{Tab}');
    expect(screen.getByLabelText('Description')).toHaveFocus();
    await user.keyboard('{Escape}');
    expect(screen.queryByLabelText('Name')).toBeNull();
    expect(screen.getByRole('button', { name: 'New project' })).toHaveFocus();
  });

  it('Cancel returns the focus to the opener as well', async () => {
    stubFetch({ 'GET /api/projects': () => json(200, { items: [], next_cursor: null }) });
    const user = userEvent.setup();
    renderAt(<ProjectsPage />);
    await user.click(await screen.findByRole('button', { name: 'New project' }));
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.getByRole('button', { name: 'New project' })).toHaveFocus();
  });
});
