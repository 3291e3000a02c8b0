// AccountsCard.tsx - an admin's list of accounts, each with a switch to
// disable it (its sessions and keys stop at once) or enable it again. An
// admin cannot disable itself, which the server refuses too.
import { useAccounts, useSetDisabled } from '../api/users';
import { ErrorState, Loading } from '../../../components/States';
import { errorText } from '../../../lib/errorText';

export function AccountsCard({ meId }: { meId: number }) {
  const accounts = useAccounts();
  const setDisabled = useSetDisabled();
  return (
    <section className="card" aria-labelledby="accounts-title">
      <h2 id="accounts-title">Accounts</h2>
      {accounts.isPending ? <Loading /> : accounts.isError ? <ErrorState error={accounts.error} what="accounts" /> : (
        <ul className="list">
          {accounts.data.items.map((a) => (
            <li key={a.id}>
              <span>{a.username}</span>
              <span className="muted">{[a.admin && 'admin', a.disabled && 'disabled'].filter(Boolean).join(', ')}</span>
              {a.id !== meId && (
                <button type="button" className="btn btn-ghost btn-small" disabled={setDisabled.isPending}
                  aria-label={`${a.disabled ? 'Enable' : 'Disable'} ${a.username}`}
                  onClick={() => setDisabled.mutate({ id: a.id, disabled: !a.disabled })}>
                  {a.disabled ? 'Enable' : 'Disable'}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {setDisabled.isError && <p className="form-error" role="alert">{errorText(setDisabled.error)}</p>}
    </section>
  );
}
