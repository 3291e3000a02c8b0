import { describe, expect, it } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import { Layout } from './Layout';
import { renderAt } from '../test/render';
import { json, stubFetch } from '../test/fetchStub';

const me = (admin: boolean) => () => json(200, { user: { id: 1, username: 'ana', admin } });

describe('Layout', () => {
  it('links the operations page for admins, who may read /metrics', async () => {
    stubFetch({ 'GET /api/auth/me': me(true) });
    renderAt(<Layout />);
    expect(await screen.findByRole('link', { name: 'Operations' })).toHaveAttribute('href', '/ops');
  });

  it('does not offer it to other users, whom /metrics refuses', async () => {
    stubFetch({ 'GET /api/auth/me': me(false) });
    renderAt(<Layout />);
    await waitFor(() => expect(screen.getByText('ana')).toBeInTheDocument());
    expect(screen.queryByRole('link', { name: 'Operations' })).toBeNull();
  });
});
