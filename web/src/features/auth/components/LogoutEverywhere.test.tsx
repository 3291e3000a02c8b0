import { afterEach, describe, expect, it, vi } from 'vitest';
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { LogoutEverywhere } from './LogoutEverywhere';
import { renderAt } from '../../../test/render';
import { json, stubFetch } from '../../../test/fetchStub';

afterEach(() => vi.unstubAllGlobals());

describe('LogoutEverywhere', () => {
  it('ends every session, forgets the user and goes to sign in', async () => {
    const { calls } = stubFetch({ 'POST /api/auth/logout-all': () => json(204, undefined) });
    const { client } = renderAt(<LogoutEverywhere />, { route: '/account', path: '/account' });
    client.setQueryData(['auth', 'me'], { id: 1, username: 'u', admin: false });
    await userEvent.click(screen.getByRole('button', { name: 'Sign out everywhere' }));
    expect(await screen.findByTestId('elsewhere')).toBeInTheDocument();
    expect(calls.map((c) => c.method + ' ' + c.url.pathname)).toEqual(['POST /api/auth/logout-all']);
    expect(client.getQueryData(['auth', 'me'])).toBeNull();
  });
});
