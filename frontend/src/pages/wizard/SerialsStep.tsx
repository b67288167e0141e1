import { useMemo, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useMutation } from 'urql';
import { Alert } from '../../components/Alert';
import { describeError } from '../../components/ErrorNotice';
import { SerialProblemList } from '../../components/SerialProblemList';
import { SubmitButton } from '../../components/SubmitButton';
import { formatMonths, humanize } from '../../lib/format';
import { formatSerial, parseSerialText, serialCountLabel, type SerialProblemLike } from '../../lib/serials';
import { KeyRequestEnterSerialsMutation, KeyRequestRemoveSerialMutation } from './documents';
import { userErrorText } from './messages';
import type { KeyRequestData } from './WizardPage';
import { FieldHelp } from '../../components/FieldHelp';

interface SerialsStepProps {
  keyRequest: KeyRequestData;
  onUpdate: (keyRequest: KeyRequestData) => void;
  onContinue: () => void;
  /** Keeps the wizard on this step after serials were added (the server has moved on to registration). */
  onStay: () => void;
}

interface Rejection {
  message: string;
  problems: SerialProblemLike[];
  entered: string[];
}

export function SerialsStep({ keyRequest, onUpdate, onContinue, onStay }: SerialsStepProps) {
  const [text, setText] = useState('');
  const [rejection, setRejection] = useState<Rejection | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [added, setAdded] = useState<string | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);
  const [{ fetching }, enterSerials] = useMutation(KeyRequestEnterSerialsMutation);
  const [, removeSerial] = useMutation(KeyRequestRemoveSerialMutation);
  const textareaRef = useRef<HTMLTextAreaElement>(null);

  const parsed = useMemo(() => parseSerialText(text), [text]);
  const serials = keyRequest.serials;
  const editable = keyRequest.status === 'DRAFT';

  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    setError(null);
    setAdded(null);
    setRejection(null);
    if (parsed.length === 0) {
      setError('Enter at least one serial number.');
      textareaRef.current?.focus();
      return;
    }
    const entered = parsed;
    const result = await enterSerials({ input: { keyRequestId: keyRequest.id, serialNumbers: entered } });
    if (result.error) {
      setError(describeError(result.error));
      return;
    }
    const outcome = result.data?.keyRequestEnterSerials;
    if (!outcome) return;
    switch (outcome.__typename) {
      case 'KeyRequestEnterSerialsSuccess':
        onStay();
        onUpdate(outcome.keyRequest);
        setText('');
        setAdded(`${serialCountLabel(entered.length)} added.`);
        return;
      case 'SerialNumbersRejected':
        setRejection({ message: outcome.message, problems: outcome.problems, entered });
        textareaRef.current?.focus();
        return;
      case 'InvalidInput': {
        const messages = outcome.fieldErrors.map((e) => e.message).filter(Boolean);
        setError(messages.length ? messages.join(' ') : userErrorText(outcome));
        textareaRef.current?.focus();
        return;
      }
      default:
        setError(userErrorText(outcome));
    }
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void submit();
    }
  };

  const remove = async (serialNumber: string) => {
    setError(null);
    setAdded(null);
    setRemoving(serialNumber);
    const result = await removeSerial({ input: { keyRequestId: keyRequest.id, serialNumber } });
    setRemoving(null);
    if (result.error) {
      setError(describeError(result.error));
      return;
    }
    const outcome = result.data?.keyRequestRemoveSerial;
    if (!outcome) return;
    if (outcome.__typename === 'KeyRequestRemoveSerialSuccess') {
      onStay();
      onUpdate(outcome.keyRequest);
    } else {
      setError(userErrorText(outcome));
    }
  };

  const describedBy = ['serials-hint', 'serials-count', rejection ? 'serials-problems' : ''].filter(Boolean).join(' ');

  return (
    <div className="step step--serials">
      <p className="step__intro">
        Enter the serial numbers printed on your license certificate. You can add several at once and add more later.
        Renewal serial numbers (they start with R) extend the maintenance of a license you already have.
      </p>
      <form className="form serial-form" onSubmit={submit} noValidate>
        <div className={`field${rejection || error ? ' field--invalid' : ''}`}>
          <label className="field__label" htmlFor="serial-numbers">
            Serial numbers
          </label>
          <textarea
            id="serial-numbers"
            ref={textareaRef}
            className="textarea textarea--mono"
            rows={5}
            value={text}
            onChange={(event) => setText(event.target.value)}
            onKeyDown={onKeyDown}
            spellCheck={false}
            autoCapitalize="characters"
            autoComplete="off"
            disabled={!editable}
            aria-invalid={rejection ? true : undefined}
            aria-describedby={describedBy}
            placeholder={'e.g. M123-456-7890\nR987-654-3210'}
          />
          <div className="serial-form__meta">
            <p className="field__hint" id="serials-hint">
              One or several, separated by new lines, commas or spaces. Press Ctrl+Enter to add.
            </p>
            <p className="serial-form__count" id="serials-count" aria-live="polite">
              {parsed.length === 0 ? 'No serial numbers entered' : `${serialCountLabel(parsed.length)} entered`}
            </p>
          </div>
          <FieldHelp topic="serialNumber" />
        </div>
        {rejection ? (
          <div className="serial-problems" role="alert">
            <p className="serial-problems__title">{rejection.message || 'Some serial numbers could not be added.'}</p>
            <SerialProblemList id="serials-problems" problems={rejection.problems} entered={rejection.entered} />
          </div>
        ) : null}
        {error ? (
          <Alert tone="error">
            <p>{error}</p>
          </Alert>
        ) : null}
        {added ? (
          <Alert tone="success">
            <p>{added}</p>
          </Alert>
        ) : null}
        <div className="form__actions form__actions--start">
          <SubmitButton variant="secondary" busy={fetching} disabled={!editable}>
            Add serial numbers
          </SubmitButton>
        </div>
      </form>

      <h3 className="section-title">Serial numbers in this request</h3>
      {serials.length === 0 ? (
        <p className="empty-note">No serial numbers added yet.</p>
      ) : (
        <div className="table-wrap">
          <table className="table table--stack">
            <caption className="visually-hidden">Serial numbers in this request</caption>
            <thead>
              <tr>
                <th scope="col">Serial number</th>
                <th scope="col">Product</th>
                <th scope="col">Seats</th>
                <th scope="col">Maintenance</th>
                <th scope="col">Kind</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {serials.map((serial) => (
                <tr key={serial.number}>
                  <td data-label="Serial number">
                    <code className="mono" id={`serial-${serial.number}`}>
                      {formatSerial(serial.number)}
                    </code>
                  </td>
                  <td data-label="Product">
                    <span>
                      {serial.product.name} <span className="muted">{serial.product.version}</span>
                    </span>
                  </td>
                  <td data-label="Seats">{serial.quantity}</td>
                  <td data-label="Maintenance">{formatMonths(serial.maintenanceMonths)}</td>
                  <td data-label="Kind">{humanize(serial.kind)}</td>
                  <td className="table__actions">
                    <button
                      type="button"
                      className="button button--ghost button--small button--danger-text"
                      onClick={() => remove(serial.number)}
                      disabled={!editable || removing !== null}
                      aria-busy={removing === serial.number || undefined}
                      aria-describedby={`serial-${serial.number}`}
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <div className="wizard__nav">
        <span className="wizard__nav-note">
          {serials.length === 0 ? 'Add at least one serial number to continue.' : `${serialCountLabel(serials.length)} in this request.`}
        </span>
        <button type="button" className="button button--primary" onClick={onContinue} disabled={serials.length === 0}>
          Continue
        </button>
      </div>
    </div>
  );
}
