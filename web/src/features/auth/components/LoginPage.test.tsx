import { afterEach, describe, expect, it, vi } from 'vitest';
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { LoginPage, safeNext } from './LoginPage';
import { renderAt } from '../../../test/render';
import { apiError, json, stubFetch } from '../../../test/fetchStub';

afterEach(() => vi.unstubAllGlobals());

describe('LoginPage', () => {
  it('says so when the password is wrong', async () => {
    stubFetch({ 'POST /api/auth/login': () => apiError(401, 'unauthorized', 'wrong username or password') });
    renderAt(<LoginPage />, { route: '/login', path: '/login' });
    await userEvent.type(screen.getByLabelText('Username'), 'admin');
    await userEvent.type(screen.getByLabelText('Password'), 'nope');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Wrong username or password.');
  });

  it('signs in with the typed credentials and goes to ?next=', async () => {
    const { calls } = stubFetch({
      'POST /api/auth/login': () => json(200, { user: { id: 1, username: 'admin', admin: true } }),
    });
    const { client } = renderAt(<LoginPage />, { route: '/login?next=/ops', path: '/login' });
    await userEvent.type(screen.getByLabelText('Username'), 'admin');
    await userEvent.type(screen.getByLabelText('Password'), 's3cret');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByTestId('elsewhere')).toBeInTheDocument();
    expect(calls[0].body).toEqual({ username: 'admin', password: 's3cret' });
    expect(client.getQueryData(['auth', 'me'])).toEqual({ id: 1, username: 'admin', admin: true });
  });

  it('only follows same-origin paths', () => {
    expect(safeNext('/runs/1/player')).toBe('/runs/1/player');
    expect(safeNext('//evil.example')).toBe('/');
    expect(safeNext('https://evil.example')).toBe('/');
    expect(safeNext(null)).toBe('/');
  });
});
