import { afterEach, describe, expect, it, vi } from 'vitest';
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { PasswordForm } from './PasswordForm';
import { renderAt } from '../../../test/render';
import { apiError, json, stubFetch } from '../../../test/fetchStub';

afterEach(() => vi.unstubAllGlobals());

async function fill(old: string, next: string, again = next) {
  await userEvent.type(screen.getByLabelText('Current password'), old);
  await userEvent.type(screen.getByLabelText('New password'), next);
  await userEvent.type(screen.getByLabelText('New password again'), again);
  await userEvent.click(screen.getByRole('button', { name: 'Change password' }));
}

describe('PasswordForm', () => {
  it('sends the old and the new password', async () => {
    const { calls } = stubFetch({ 'POST /api/auth/password': () => json(204, undefined) });
    renderAt(<PasswordForm />);
    await fill('old-Passw0rd-1', 'new-Passw0rd-12');
    expect(await screen.findByRole('status')).toHaveTextContent('Password changed.');
    expect(calls[0].body).toEqual({ old_password: 'old-Passw0rd-1', new_password: 'new-Passw0rd-12' });
    expect(screen.getByLabelText('New password')).toHaveValue('');
  });

  it('refuses a short or mistyped new password without asking the server', async () => {
    const { calls } = stubFetch({});
    renderAt(<PasswordForm />);
    await fill('old-Passw0rd-1', 'short');
    expect(await screen.findByRole('alert')).toHaveTextContent('at least 12 characters');
    await userEvent.clear(screen.getByLabelText('New password'));
    await userEvent.type(screen.getByLabelText('New password'), 'new-Passw0rd-12');
    await userEvent.clear(screen.getByLabelText('New password again'));
    await userEvent.type(screen.getByLabelText('New password again'), 'new-Passw0rd-13');
    await userEvent.click(screen.getByRole('button', { name: 'Change password' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('differ');
    expect(calls).toEqual([]);
  });

  it('says what the server refused', async () => {
    stubFetch({
      'POST /api/auth/password': () => apiError(403, 'forbidden', "field 'old_password' is not the current password"),
    });
    renderAt(<PasswordForm />);
    await fill('wrong-Passw0rd', 'new-Passw0rd-12');
    expect(await screen.findByRole('alert')).toHaveTextContent('not the current password');
  });
});
