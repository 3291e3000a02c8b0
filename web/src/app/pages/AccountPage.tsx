// AccountPage.tsx - the signed-in user's account: password, signing out
// everywhere, and for an admin every account.
import { useMe } from '../../features/auth/api/me';
import { PasswordForm } from '../../features/auth/components/PasswordForm';
import { LogoutEverywhere } from '../../features/auth/components/LogoutEverywhere';
import { AccountsCard } from '../../features/accounts/components/AccountsCard';
import { PageHeader } from '../../components/States';

export default function AccountPage() {
  const me = useMe();
  return (
    <>
      <PageHeader title="Account" subtitle={me.data?.username} />
      <PasswordForm />
      <LogoutEverywhere />
      {me.data?.admin && <AccountsCard meId={me.data.id} />}
    </>
  );
}
