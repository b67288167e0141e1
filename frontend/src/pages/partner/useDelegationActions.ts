import { useState } from 'react';
import { useMutation } from 'urql';
import { describeError } from '../../components/ErrorNotice';
import { userErrorText } from '../wizard/messages';
import { DelegationAcceptMutation, DelegationDeclineMutation, DelegationRevokeMutation } from './documents';
import type { DelegationAction, DelegationRow } from './DelegationTable';

const TITLES: Record<DelegationAction, string> = {
  accept: 'The invitation could not be accepted',
  decline: 'The invitation could not be declined',
  revoke: 'The delegation could not be revoked',
};

const REFUSED: Record<string, string> = {
  NOT_PENDING: 'This invitation was already answered or withdrawn.',
  NOT_OPEN: 'This delegation has already ended.',
};

/** Accept, decline and revoke with their outcome as a notice or an error. */
export function useDelegationActions(onDone: () => void) {
  const [, accept] = useMutation(DelegationAcceptMutation);
  const [, decline] = useMutation(DelegationDeclineMutation);
  const [, revoke] = useMutation(DelegationRevokeMutation);
  const [pending, setPending] = useState<string | null>(null);
  const [error, setError] = useState<{ title: string; text: string } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const run = async (row: DelegationRow, action: DelegationAction, otherName: string) => {
    setPending(`${action}-${row.id}`);
    setError(null);
    setNotice(null);
    const input = { input: { delegationId: row.id } };
    const result = action === 'accept' ? await accept(input) : action === 'decline' ? await decline(input) : await revoke(input);
    setPending(null);
    if (result.error) return setError({ title: TITLES[action], text: describeError(result.error) });
    const data = result.data;
    const outcome =
      data && 'delegationAccept' in data
        ? data.delegationAccept
        : data && 'delegationDecline' in data
          ? data.delegationDecline
          : data && 'delegationRevoke' in data
            ? data.delegationRevoke
            : null;
    if (!outcome) return;
    if (outcome.__typename === 'DelegationRefused') {
      setError({ title: TITLES[action], text: outcome.message || REFUSED[outcome.code] || userErrorText(outcome) });
    } else if (outcome.__typename === 'NotFound') {
      setError({ title: TITLES[action], text: userErrorText(outcome) });
    } else {
      setNotice(
        action === 'accept'
          ? `You now manage ${otherName}. Act for it from the account switcher or the Customers tab.`
          : action === 'decline'
            ? `The invitation of ${otherName} was declined.`
            : `The delegation with ${otherName} was revoked.`,
      );
      onDone();
    }
  };

  return { run, pending, error, notice, setError, setNotice };
}
