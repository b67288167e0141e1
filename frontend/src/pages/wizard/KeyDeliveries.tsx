import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { useMutation, useQuery } from 'urql';
import { describeError } from '../../components/ErrorNotice';
import { OutcomeAlerts } from '../../components/OutcomeAlerts';
import { StatusBadge } from '../../components/StatusBadge';
import { SubmitButton } from '../../components/SubmitButton';
import { TextField } from '../../components/TextField';
import { useEmailForm } from '../../components/useEmailForm';
import type { KeyDeliveryFieldsFragment } from '../../gql/graphql';
import { fieldMessage } from '../../lib/fieldErrors';
import { formatDateTime } from '../../lib/format';
import { KeyRequestDeliveriesQuery, KeyRequestResendKeysMutation } from './deliveryDocuments';
import { rateLimitedText, userErrorText } from './messages';

/** Mail status changes are not pushed: re-read this often while a mail is queued. */
export const DELIVERY_POLL_MS = 4000;
/** Right after the keys are ready the first mail may not be listed yet: look a few times. */
const EMPTY_POLLS = 5;

/** True while the list may still change on its own: a mail is queued. */
export function deliveriesPending(deliveries: readonly Pick<KeyDeliveryFieldsFragment, 'status'>[]): boolean {
  return deliveries.some((d) => d.status === 'QUEUED');
}

/** What happens to the mail "Send keys again" just made, from its status. */
export function resentText(delivery: Pick<KeyDeliveryFieldsFragment, 'recipient' | 'status'>): ReactNode {
  switch (delivery.status) {
    case 'HELD':
      return (
        <>
          No mail server is set up for this portal, so the e-mail to {delivery.recipient} is held, not sent. Read the keys on the{' '}
          <Link to="/messages">Messages page</Link>.
        </>
      );
    case 'SENT':
      return `The e-mail to ${delivery.recipient} has been sent.`;
    case 'FAILED':
      return `The e-mail to ${delivery.recipient} could not be sent; its status above says why.`;
    default:
      return `The e-mail to ${delivery.recipient} is queued and goes out within a minute; its status is listed above.`;
  }
}

/** The e-mails of a ready key request's keys, with their status, and "Send keys again". */
export function KeyDeliveries({ keyRequestId }: { keyRequestId: string }) {
  const [result, reexecute] = useQuery({ query: KeyRequestDeliveriesQuery, variables: { id: keyRequestId }, requestPolicy: 'cache-and-network' });
  const deliveries = result.data?.keyRequest?.deliveries ?? null;
  const emptyPolls = useRef(0);
  const poll = deliveries !== null && (deliveriesPending(deliveries) || (deliveries.length === 0 && emptyPolls.current < EMPTY_POLLS));
  const reexecuteRef = useRef(reexecute);
  reexecuteRef.current = reexecute;

  useEffect(() => {
    if (!poll) return;
    const timer = window.setInterval(() => {
      if (deliveries?.length === 0) emptyPolls.current += 1;
      reexecuteRef.current({ requestPolicy: 'network-only' });
    }, DELIVERY_POLL_MS);
    return () => window.clearInterval(timer);
  }, [poll, deliveries]);

  return (
    <section className="deliveries" aria-labelledby={`deliveries-${keyRequestId}`}>
      <h3 className="deliveries__title" id={`deliveries-${keyRequestId}`}>
        E-mails with your keys
      </h3>
      {deliveries === null ? (
        result.error ? (
          <p className="muted small">The e-mail status could not be loaded.</p>
        ) : (
          <p className="muted small">Loading the e-mail status…</p>
        )
      ) : deliveries.length === 0 ? (
        <p className="muted small">The e-mail with your keys is being prepared.</p>
      ) : (
        <ul className="deliveries__list" aria-label="Key e-mails">
          {deliveries.map((delivery, index) => (
            <li key={`${delivery.createdAt}-${index}`} className="deliveries__item" data-testid="delivery">
              <span className="deliveries__recipient">{delivery.recipient}</span>
              <StatusBadge status={delivery.status} />
              <span className="muted small">
                {delivery.sentAt ? `Sent ${formatDateTime(delivery.sentAt)}` : `Requested ${formatDateTime(delivery.createdAt)}`}
              </span>
              {delivery.status === 'FAILED' ? (
                <span className="deliveries__error">{delivery.error || 'The mail server refused the message.'}</span>
              ) : delivery.status === 'HELD' ? (
                <span className="deliveries__note muted small">
                  No mail server is configured, so the portal keeps this mail: see <Link to="/messages">Messages</Link>.
                </span>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      {poll && deliveries && deliveries.length > 0 ? (
        <p className="muted small" aria-live="polite">
          Checking the status every few seconds…
        </p>
      ) : null}
      <ResendForm keyRequestId={keyRequestId} onSent={() => reexecute({ requestPolicy: 'network-only' })} />
    </section>
  );
}

function ResendForm({ keyRequestId, onSent }: { keyRequestId: string; onSent: () => void }) {
  const id = useId();
  const emailId = `${id}-email`;
  const { email, setEmail, emailError, formError, setFormError, showEmailError, begin } = useEmailForm(emailId);
  const [notice, setNotice] = useState<{ text: ReactNode; held: boolean } | null>(null);
  const [{ fetching }, resend] = useMutation(KeyRequestResendKeysMutation);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setNotice(null);
    const address = begin('Enter an e-mail address, e.g. name@example.com, or leave the field empty.', true);
    if (address === null) return;
    const result = await resend({ input: { keyRequestId, ...(address ? { email: address } : {}) } });
    if (result.error) return setFormError(describeError(result.error));
    const outcome = result.data?.keyRequestResendKeys;
    if (!outcome) return;
    if (outcome.__typename === 'KeyRequestResendKeysSuccess') {
      setEmail('');
      setNotice({ text: resentText(outcome.delivery), held: outcome.delivery.status === 'HELD' });
      onSent();
    } else if (outcome.__typename === 'InvalidInput') {
      const message = fieldMessage(outcome, 'email');
      if (message) showEmailError(message);
      else setFormError(outcome.message);
    } else if (outcome.__typename === 'RateLimited') {
      setFormError(rateLimitedText(outcome, 'The keys were sent again recently.'));
    } else {
      setFormError(userErrorText(outcome));
    }
  };

  return (
    <form className="deliveries__resend" onSubmit={onSubmit} noValidate aria-label="Send keys again">
      <OutcomeAlerts error={formError ? { title: 'The keys could not be sent again', text: formError } : null} notice={notice?.text ?? null} noticeTone={notice?.held ? 'info' : 'success'} />
      <div className="deliveries__resend-row">
        <TextField
          id={emailId}
          label="Send to another address"
          optional
          type="email"
          inputMode="email"
          autoComplete="email"
          value={email}
          onValueChange={setEmail}
          error={emailError}
          hint="Leave empty to send the keys to the technical contact again."
        />
        <SubmitButton variant="secondary" busy={fetching} className="deliveries__resend-submit">
          Send keys again
        </SubmitButton>
      </div>
    </form>
  );
}
