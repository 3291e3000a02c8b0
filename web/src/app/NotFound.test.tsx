import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import { QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter } from 'react-router';
import { AppRoutes } from './App';
import { routeId } from '../components/NotFound';
import { freshClient } from '../test/render';
import { json, stubFetch } from '../test/fetchStub';

describe('not found', () => {
  it('answers an unknown address with a page and a way back, not a redirect', async () => {
    stubFetch({ 'GET /api/auth/me': () => json(200, { user: { id: 2, username: 'ana', admin: false } }) });
    render(
      <QueryClientProvider client={freshClient()}>
        <MemoryRouter initialEntries={['/no/such/page']}><AppRoutes /></MemoryRouter>
      </QueryClientProvider>,
    );
    expect(await screen.findByRole('heading', { name: 'This page does not exist' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Go to your projects' })).toHaveAttribute('href', '/');
    expect(screen.getByRole('button', { name: 'Go back' })).toBeInTheDocument();
  });

  it('takes only positive integers as ids', () => {
    expect(routeId('42')).toBe(42);
    for (const bad of ['abc', '0', '-1', '1.5', '1e3', ' 7', '', undefined, '99999999999999999999']) expect(routeId(bad)).toBeNull();
  });
});
