import { Dialog } from '../../components/Dialog';
import { SubmitButton } from '../../components/SubmitButton';

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
