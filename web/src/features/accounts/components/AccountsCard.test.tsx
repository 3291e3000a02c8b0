import { afterEach, describe, expect, it, vi } from 'vitest';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { AccountsCard } from './AccountsCard';
import { renderAt } from '../../../test/render';
import { apiError, json, stubFetch } from '../../../test/fetchStub';

afterEach(() => vi.unstubAllGlobals());

const account = (id: number, username: string, extra = {}) =>
  ({ id, username, admin: false, disabled: false, created_at: '2026-12-07T00:00:00Z', ...extra });

describe('AccountsCard', () => {
  it('lists the accounts and disables one, but offers no switch for oneself', async () => {
    let bob = account(2, 'bob');
    const { calls } = stubFetch({
      'GET /api/users': () => json(200, { items: [account(1, 'admin', { admin: true }), bob], next_cursor: null }),
      'PATCH /api/users/2': () => json(200, (bob = { ...bob, disabled: true })),
    });
    renderAt(<AccountsCard meId={1} />);
    const list = await screen.findByRole('list');
    expect(within(list).getAllByText('admin')).toHaveLength(2); // the name and the role
    expect(screen.queryByRole('button', { name: 'Disable admin' })).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Disable bob' }));
    expect(await screen.findByRole('button', { name: 'Enable bob' })).toBeInTheDocument();
    expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ disabled: true });
  });

  it('says why the server refused', async () => {
    stubFetch({
      'GET /api/users': () => json(200, { items: [account(2, 'bob')], next_cursor: null }),
      'PATCH /api/users/2': () => apiError(404, 'not_found', 'user: not found'),
    });
    renderAt(<AccountsCard meId={1} />);
    await userEvent.click(await screen.findByRole('button', { name: 'Disable bob' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('User: not found. It may have been deleted');
  });
});
