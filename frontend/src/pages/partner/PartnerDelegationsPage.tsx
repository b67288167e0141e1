import { useState } from 'react';
import { Alert } from '../../components/Alert';
import { ErrorNotice } from '../../components/ErrorNotice';
import { OutcomeAlerts } from '../../components/OutcomeAlerts';
import { LoadingPanel } from '../../components/Spinner';
import { usePageTitle } from '../../components/usePageTitle';
import { asAccount, partnerMembership } from '../../lib/accounts';
import { useAccountQuery } from '../../lib/useAccountQuery';
import { useSession } from '../../session';
import { AccountDelegationsQuery } from './documents';
import { DelegationTable, type DelegationAction, type DelegationRow } from './DelegationTable';
import { PartnerTabs } from './PartnerTabs';
import { RevokeRowDialog } from './RevokeDialog';
import { useDelegationActions } from './useDelegationActions';

/** The partner side: invitations from customers to accept or decline, and the delegations in force. */
export function PartnerDelegationsPage() {
  usePageTitle('Delegations');
  const { user, ownMembership } = useSession();
  // The partner account: the one the user works in, or (while acting for a customer) the one they came from.
  const partner = partnerMembership(ownMembership, user?.memberships ?? []);
  const accountId = partner?.account.id ?? '';
  const [result, reload] = useAccountQuery(AccountDelegationsQuery, accountId, 'Delegation');
  const actions = useDelegationActions(reload);
  const [confirming, setConfirming] = useState<DelegationRow | null>(null);

  if (!partner) {
    return (
      <div className="page">
        <h1 className="page__title">Delegations</h1>
        <Alert tone="info" live={false}>
          <p>Delegations are answered by partner accounts. None of your accounts is a partner account.</p>
        </Alert>
      </div>
    );
  }

  const account = asAccount(result.data?.node);
  const isAdmin = (account?.viewerRole ?? partner.role) === 'ADMIN';
  const rows = (account?.delegations ?? []).filter((d) => d.partnerAccount.id === partner.account.id);
  const pendingRows = rows.filter((d) => d.status === 'PENDING');
  const activeRows = rows.filter((d) => d.status === 'ACTIVE');
  const pastRows = rows.filter((d) => d.status !== 'PENDING' && d.status !== 'ACTIVE');

  const onAction = (row: DelegationRow, action: DelegationAction) => {
    if (action === 'revoke') setConfirming(row);
    else void actions.run(row, action, row.customerAccount.name);
  };

  return (
    <div className="page">
      <div className="page__header">
        <div>
          <h1 className="page__title">Delegations</h1>
          <p className="page__lead">
            Customers who let {partner.account.name} work on their licenses.
            {isAdmin ? ' Accept an invitation to act for the customer.' : ' Only administrators of the partner account answer invitations.'}
          </p>
        </div>
      </div>

      <PartnerTabs />

      <OutcomeAlerts error={actions.error} notice={actions.notice} />

      {result.error && !result.data ? (
        <ErrorNotice error={result.error} title="The delegations could not be loaded" onRetry={reload} />
      ) : !result.data ? (
        <LoadingPanel label="Loading delegations…" />
      ) : (
        <>
          <section className="section" aria-labelledby="pending-heading">
            <h2 className="section__title" id="pending-heading">
              Pending invitations
            </h2>
            {pendingRows.length === 0 ? (
              <p className="empty-note">No invitations are waiting for an answer.</p>
            ) : (
              <DelegationTable
                rows={pendingRows}
                caption="Pending invitations"
                side="partner"
                actionsFor={() => (isAdmin ? ['accept', 'decline'] : [])}
                onAction={onAction}
                pending={actions.pending}
              />
            )}
          </section>
          <section className="section" aria-labelledby="active-heading">
            <h2 className="section__title" id="active-heading">
              Active delegations
            </h2>
            {activeRows.length === 0 ? (
              <p className="empty-note">No customer has delegated its licenses to {partner.account.name} yet.</p>
            ) : (
              <DelegationTable
                rows={activeRows}
                caption="Active delegations"
                side="partner"
                actionsFor={() => (isAdmin ? ['revoke'] : [])}
                onAction={onAction}
                pending={actions.pending}
              />
            )}
          </section>
          {pastRows.length > 0 ? (
            <section className="section" aria-labelledby="past-heading">
              <h2 className="section__title" id="past-heading">
                Ended and declined
              </h2>
              <DelegationTable rows={pastRows} caption="Ended and declined delegations" side="partner" actionsFor={() => []} onAction={onAction} pending={null} />
            </section>
          ) : null}
        </>
      )}

      {confirming ? (
        <RevokeRowDialog row={confirming} side="partner" actions={actions} onClose={() => setConfirming(null)} />
      ) : null}
    </div>
  );
}
