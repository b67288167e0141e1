import { useState, type ReactNode } from 'react';
import { useMutation } from 'urql';
import { Alert } from '../components/Alert';
import { Dialog } from '../components/Dialog';
import { describeError } from '../components/ErrorNotice';
import { SubmitButton } from '../components/SubmitButton';
import { userErrorText } from './wizard/messages';
import { KeyRequestDiscardMutation } from './keyRequestsDocument';

/** Key requests leave every list that shows them once one is discarded. */
const DISCARD_CONTEXT = { additionalTypenames: ['KeyRequest'] };

interface DiscardDraftButtonProps {
  keyRequestId: string;
  /** "key request", "version upgrade request", …: what the dialog names. */
  noun: string;
  /** Read after "Discard" by screen readers, to tell several rows' buttons apart. */
  label?: ReactNode;
  /** Called once the draft is gone. */
  onDiscarded: (keyRequestId: string) => void;
  className?: string;
}

/**
 * "Discard": asks in a dialog, then discards the draft (keyRequestDiscard). A
 * refusal (no longer a draft, not found, not allowed) shows its message in the
 * dialog. Offer it only where it can work (lib/keyRequest mayDiscardDraft).
 */
export function DiscardDraftButton({ keyRequestId, noun, label, onDiscarded, className = 'button button--ghost button--small' }: DiscardDraftButtonProps) {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [{ fetching }, discard] = useMutation(KeyRequestDiscardMutation);

  const onConfirm = async () => {
    setError(null);
    const result = await discard({ input: { keyRequestId } }, DISCARD_CONTEXT);
    if (result.error) return setError(describeError(result.error));
    const outcome = result.data?.keyRequestDiscard;
    if (!outcome) return setError('The draft could not be discarded. Please try again.');
    if (outcome.__typename === 'KeyRequestDiscardSuccess') {
      setOpen(false);
      onDiscarded(outcome.keyRequestId);
      return;
    }
    setError(userErrorText(outcome));
  };

  return (
    <>
      <button
        type="button"
        className={className}
        onClick={() => {
          setError(null);
          setOpen(true);
        }}
      >
        Discard
        {label ? <span className="visually-hidden"> {label}</span> : null}
      </button>
      {open ? (
        <Dialog
          title="Discard this draft?"
          onClose={() => setOpen(false)}
          description={`The ${noun} and everything entered in it are deleted. Nothing was registered or signed yet: serial numbers, notifications and points it named stay unused.`}
        >
          {error ? (
            <Alert tone="error" title="The draft could not be discarded">
              <p>{error}</p>
            </Alert>
          ) : null}
          <div className="form__actions">
            <button type="button" className="button button--secondary" onClick={() => setOpen(false)}>
              Keep the draft
            </button>
            <SubmitButton type="button" variant="danger" busy={fetching} onClick={onConfirm}>
              Discard draft
            </SubmitButton>
          </div>
        </Dialog>
      ) : null}
    </>
  );
}
