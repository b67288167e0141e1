import { useRef, useState, type FormEvent } from 'react';
import { Link, Navigate, useParams } from 'react-router-dom';
import { useMutation } from 'urql';
import { Alert } from '../../components/Alert';
import { describeError } from '../../components/ErrorNotice';
import { SubmitButton } from '../../components/SubmitButton';
import { TextField } from '../../components/TextField';
import { usePageTitle } from '../../components/usePageTitle';
import type { RehostRequestFieldsFragment } from '../../gql/graphql';
import { mapFieldErrors } from '../../lib/fieldErrors';
import { formatDate, formatSeats } from '../../lib/format';
import { confirmIdempotencyKey, resetConfirmIdempotencyKey } from '../../lib/idempotency';
import { normaliseHostId, rehostAllowance, rehostRefusalText, rehostUsageText } from '../../lib/rehost';
import { flowFor, REHOST_FLOW, resolveView } from '../../lib/steps';
import { KeysStep } from '../wizard/KeysStep';
import { KeyDeliveries } from '../wizard/KeyDeliveries';
import { userErrorText } from '../wizard/messages';
import { useKeyRequest } from '../wizard/useKeyRequest';
import { KeyRequestMissing, useWizardNavigation, WizardFrame } from '../wizard/WizardFrame';
import { RehostRequestConfirmMutation, RehostRequestQuery, RehostRequestSetHostMutation, RehostRequestUpdatedSubscription } from './documents';
import { FieldHelp } from '../../components/FieldHelp';

type RehostRequestData = RehostRequestFieldsFragment;

/** /rehost/:id — move a host-locked key to a new host ID. */
export function RehostWizardPage() {
  const { id = '' } = useParams();
  return <RehostWizard key={id} id={id} />;
}

function RehostWizard({ id }: { id: string }) {
  usePageTitle('Re-host');
  const state = useKeyRequest({ id, query: RehostRequestQuery, subscription: RehostRequestUpdatedSubscription });
  const { requested, goTo, headingRef } = useWizardNavigation();
  const { current, update } = state;

  if (!current) return <KeyRequestMissing flow={REHOST_FLOW} state={state} />;
  if (current.kind !== 'REHOST') return <Navigate to={flowFor(current.kind).path(current.id)} replace />;

  const view = resolveView(REHOST_FLOW.order, current.status, current.step, requested);
  const step = REHOST_FLOW.numbers[view] ?? 3;
  const licenseId = current.sourceKey?.license.id;
  const licensePath = licenseId ? `/licenses/${encodeURIComponent(licenseId)}` : '/licenses';

  return (
    <WizardFrame flow={REHOST_FLOW} keyRequest={current} step={step} headingRef={headingRef}>
      {view === 'HOST' ? (
        <HostStep keyRequest={current} onUpdate={update} onSaved={() => goTo('CONFIRM')} licensePath={licensePath} />
      ) : view === 'CONFIRM' ? (
        <ConfirmRehostStep
          keyRequest={current}
          onUpdate={update}
          onBack={() => goTo('HOST')}
          onConfirmed={() => goTo('KEYS')}
          onRefresh={state.reload}
        />
      ) : view === 'KEYS' ? (
        <KeysStep
          keyRequest={current}
          polling={state.polling}
          next={{ to: licensePath, label: 'Back to the license' }}
          failureNote="The key was not moved and still works on its current host."
          deliveries={<KeyDeliveries keyRequestId={current.id} />}
        />
      ) : (
        <p className="empty-note">This step is not part of a re-host. Reload the page to continue.</p>
      )}
    </WizardFrame>
  );
}

/** The key being moved: product, activation key, current host and the re-hosts left. */
function SourceKeySummary({ keyRequest }: { keyRequest: RehostRequestData }) {
  const source = keyRequest.sourceKey;
  if (!source) return null;
  const { license } = source;
  const allowance = rehostAllowance(license);
  return (
    <dl className="summary">
      <div className="summary__row">
        <dt>Product</dt>
        <dd>
          {license.product.name} {license.product.version}
          <span className="block muted small">
            {formatSeats(license.quantity)} · Maintenance until {formatDate(license.maintenanceUntil)}
          </span>
        </dd>
      </div>
      <div className="summary__row">
        <dt>Activation key</dt>
        <dd>
          <code className="mono">{source.activationKey}</code>
        </dd>
      </div>
      <div className="summary__row">
        <dt>Current host ID</dt>
        <dd>{(source.hostId ?? license.hostId) ? <code className="mono">{source.hostId ?? license.hostId}</code> : '—'}</dd>
      </div>
      <div className="summary__row">
        <dt>Re-hosts</dt>
        <dd>{rehostUsageText(allowance)}</dd>
      </div>
    </dl>
  );
}

interface HostStepProps {
  keyRequest: RehostRequestData;
  onUpdate: (keyRequest: RehostRequestData) => void;
  onSaved: () => void;
  licensePath: string;
}

function HostStep({ keyRequest, onUpdate, onSaved, licensePath }: HostStepProps) {
  const [hostId, setHostId] = useState(keyRequest.hostId ?? '');
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [{ fetching }, save] = useMutation(RehostRequestSetHostMutation);
  const inputRef = useRef<HTMLInputElement>(null);
  const editable = keyRequest.status === 'DRAFT';

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setFieldError(null);
    setFormError(null);
    const value = normaliseHostId(hostId);
    if (!value) {
      setFieldError('Enter the host ID of the new machine.');
      inputRef.current?.focus();
      return;
    }
    const result = await save({ input: { keyRequestId: keyRequest.id, hostId: value } });
    if (result.error) {
      setFormError(describeError(result.error));
      return;
    }
    const outcome = result.data?.rehostRequestSetHost;
    if (!outcome) return;
    switch (outcome.__typename) {
      case 'RehostRequestSetHostSuccess':
        onUpdate(outcome.keyRequest);
        onSaved();
        return;
      case 'RehostRefused':
        if (outcome.code === 'SAME_HOST' || outcome.field?.replace(/^input\./, '') === 'hostId') {
          setFieldError(rehostRefusalText(outcome));
          inputRef.current?.focus();
        } else {
          setFormError(rehostRefusalText(outcome));
        }
        return;
      case 'InvalidInput': {
        const mapped = mapFieldErrors(outcome.fieldErrors);
        const message = mapped['hostId'] ?? (outcome.field?.replace(/^input\./, '') === 'hostId' ? outcome.message : null);
        if (message) {
          setFieldError(message);
          inputRef.current?.focus();
        } else {
          setFormError(Object.values(mapped).join(' ') || userErrorText(outcome));
        }
        return;
      }
      default:
        setFormError(userErrorText(outcome));
    }
  };

  return (
    <div className="step step--rehost-host">
      <p className="step__intro">
        Moving a license to another machine issues a new key locked to the new host ID. The current key stops working once the
        new one is issued.
      </p>
      <section className="subsection" aria-labelledby="source-key-heading">
        <h3 className="section-title" id="source-key-heading">
          Key to move
        </h3>
        <SourceKeySummary keyRequest={keyRequest} />
      </section>
      <form className="form" onSubmit={onSubmit} noValidate>
        {formError ? (
          <Alert tone="error">
            <p>{formError}</p>
          </Alert>
        ) : null}
        <TextField
          ref={inputRef}
          id="rehost-host-id"
          label="New host ID"
          className="field--narrow"
          value={hostId}
          onValueChange={setHostId}
          error={fieldError}
          autoComplete="off"
          spellCheck={false}
          disabled={!editable}
          required
          hint="The host ID of the new machine, as shown by the product's license tool (usually the MAC address of its primary network interface)."
        />
        <FieldHelp topic="hostId" />
        <div className="wizard__nav">
          <Link to={licensePath} className="button button--secondary">
            Cancel
          </Link>
          <SubmitButton busy={fetching} disabled={!editable}>
            Continue
          </SubmitButton>
        </div>
      </form>
    </div>
  );
}

interface ConfirmRehostStepProps {
  keyRequest: RehostRequestData;
  onUpdate: (keyRequest: RehostRequestData) => void;
  onBack: () => void;
  onConfirmed: () => void;
  onRefresh: () => void;
}

function ConfirmRehostStep({ keyRequest, onUpdate, onBack, onConfirmed, onRefresh }: ConfirmRehostStepProps) {
  const [{ fetching }, confirm] = useMutation(RehostRequestConfirmMutation);
  const [error, setError] = useState<string | null>(null);
  const inFlight = useRef(false);
  const source = keyRequest.sourceKey;
  const currentHost = source?.hostId ?? source?.license.hostId ?? null;

  const onConfirm = async () => {
    if (inFlight.current) return;
    inFlight.current = true;
    setError(null);
    try {
      const idempotencyKey = confirmIdempotencyKey(keyRequest.id);
      const result = await confirm({ input: { keyRequestId: keyRequest.id, idempotencyKey } });
      if (result.error) {
        setError(`${describeError(result.error)} Trying again is safe: the key is moved only once.`);
        return;
      }
      const outcome = result.data?.rehostRequestConfirm;
      if (!outcome) return;
      if (outcome.__typename === 'RehostRequestConfirmSuccess') {
        onUpdate(outcome.keyRequest);
        onConfirmed();
        return;
      }
      resetConfirmIdempotencyKey(keyRequest.id);
      switch (outcome.__typename) {
        case 'RehostRefused':
          setError(rehostRefusalText(outcome));
          return;
        case 'InvalidInput': {
          const details = outcome.fieldErrors.map((e) => e.message).filter(Boolean);
          setError([userErrorText(outcome), ...details].join(' '));
          return;
        }
        case 'KeyRequestNotEditable':
          if (outcome.code !== 'ALREADY_CONFIRMED') setError(userErrorText(outcome));
          onRefresh();
          return;
        default:
          setError(userErrorText(outcome));
      }
    } finally {
      inFlight.current = false;
    }
  };

  return (
    <div className="step step--confirm">
      <p className="step__intro">
        Check the details below. When you confirm, a new key locked to <strong>{keyRequest.hostId ?? 'the new host'}</strong> is
        signed and the current key is revoked. This uses one of the license's re-hosts.
      </p>
      <dl className="summary">
        <div className="summary__row">
          <dt>Product</dt>
          <dd>{source ? `${source.license.product.name} ${source.license.product.version}` : '—'}</dd>
        </div>
        <div className="summary__row">
          <dt>Activation key</dt>
          <dd>{source ? <code className="mono">{source.activationKey}</code> : '—'}</dd>
        </div>
        <div className="summary__row">
          <dt>From host ID</dt>
          <dd>{currentHost ? <code className="mono">{currentHost}</code> : '—'}</dd>
        </div>
        <div className="summary__row">
          <dt>To host ID</dt>
          <dd>
            {keyRequest.hostId ? <code className="mono">{keyRequest.hostId}</code> : '—'}{' '}
            <button type="button" className="button button--link" onClick={onBack}>
              Change host ID
            </button>
          </dd>
        </div>
        {source ? (
          <div className="summary__row">
            <dt>Re-hosts</dt>
            <dd>{rehostUsageText(rehostAllowance(source.license))}</dd>
          </div>
        ) : null}
      </dl>

      {error ? (
        <Alert tone="error">
          <p>{error}</p>
        </Alert>
      ) : null}

      <div className="wizard__nav">
        <button type="button" className="button button--secondary" onClick={onBack} disabled={fetching}>
          Back
        </button>
        <SubmitButton type="button" busy={fetching} disabled={!keyRequest.hostId} onClick={onConfirm}>
          Confirm re-host
        </SubmitButton>
      </div>
    </div>
  );
}
