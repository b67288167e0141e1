import { Dialog } from '../../components/Dialog';
import { SubmitButton } from '../../components/SubmitButton';
import type { DelegationRow } from './DelegationTable';
import type { useDelegationActions } from './useDelegationActions';

interface RevokeDialogProps {
  otherName: string;
  side: 'customer' | 'partner';
  busy: boolean;
  onConfirm: () => void;
  onClose: () => void;
}

/** Asks before a delegation ends: the partner loses access at once. */
export function RevokeDialog({ otherName, side, busy, onConfirm, onClose }: RevokeDialogProps) {
  return (
    <Dialog
      title="Revoke the delegation?"
      onClose={onClose}
      description={
        side === 'customer'
          ? `${otherName} can no longer see or work on your licenses. You can invite the partner again later.`
          : `You can no longer see or work on the licenses of ${otherName} until it invites you again.`
      }
    >
      <div className="form__actions">
        <button type="button" className="button button--secondary" onClick={onClose}>
          Cancel
        </button>
        <SubmitButton type="button" variant="danger" busy={busy} onClick={onConfirm}>
          Revoke delegation
        </SubmitButton>
      </div>
    </Dialog>
  );
}

interface RevokeRowDialogProps {
  row: DelegationRow;
  side: 'customer' | 'partner';
  actions: ReturnType<typeof useDelegationActions>;
  onClose: () => void;
}

/** RevokeDialog for one delegation, seen from `side`: revokes it through `actions`, then closes. */
export function RevokeRowDialog({ row, side, actions, onClose }: RevokeRowDialogProps) {
  const otherName = side === 'customer' ? row.partnerAccount.name : row.customerAccount.name;
  return (
    <RevokeDialog
      otherName={otherName}
      side={side}
      busy={actions.pending === `revoke-${row.id}`}
      onClose={onClose}
      onConfirm={async () => {
        await actions.run(row, 'revoke', otherName);
        onClose();
      }}
    />
  );
}
