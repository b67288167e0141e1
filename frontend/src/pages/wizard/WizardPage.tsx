import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { useQuery, useSubscription } from 'urql';
import { Alert } from '../../components/Alert';
import { ErrorNotice } from '../../components/ErrorNotice';
import { LoadingPanel } from '../../components/Spinner';
import { StatusBadge } from '../../components/StatusBadge';
import { Stepper } from '../../components/Stepper';
import { usePageTitle } from '../../components/usePageTitle';
import type { KeyRequestFieldsFragment } from '../../gql/graphql';
import { formatDateTime } from '../../lib/format';
import { newerSnapshot } from '../../lib/keyRequest';
import type { RegistrationFormState } from '../../lib/registration';
import { GET_A_KEY_STEPS, isInFlight, resolveWizardStep, type WizardStep } from '../../lib/steps';
import { ConfirmStep } from './ConfirmStep';
import { KeyRequestQuery, KeyRequestUpdatedSubscription } from './documents';
import { KeysStep } from './KeysStep';
import { RegistrationStep } from './RegistrationStep';
import { SerialsStep } from './SerialsStep';

export type KeyRequestData = KeyRequestFieldsFragment;

/** How long to wait for the first subscription event before polling instead. */
const SOCKET_GRACE_MS = 6000;
const POLL_INTERVAL_MS = 2000;

export function WizardPage() {
  const { id = '' } = useParams();
  return <Wizard key={id} id={id} />;
}

function Wizard({ id }: { id: string }) {
  usePageTitle('Get a Key');
  const [result, reexecute] = useQuery({
    query: KeyRequestQuery,
    variables: { id },
    requestPolicy: 'cache-and-network',
  });
  const [latest, setLatest] = useState<KeyRequestData | null>(null);
  const [requested, setRequested] = useState<WizardStep | null>(null);
  const [registrationDraft, setRegistrationDraft] = useState<RegistrationFormState | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);

  const keyRequest = newerSnapshot(result.data?.keyRequest ?? null, latest);
  const live = useLiveKeyRequest(id, keyRequest ? isInFlight(keyRequest.status) : false, reexecute);
  const current = newerSnapshot(keyRequest, live.snapshot);

  const update = useCallback((next: KeyRequestData) => {
    setLatest((previous) => newerSnapshot(next, previous) ?? next);
  }, []);

  const goTo = useCallback((step: WizardStep) => {
    setRequested(step);
    window.requestAnimationFrame(() => {
      headingRef.current?.focus();
      headingRef.current?.scrollIntoView?.({ block: 'nearest' });
    });
  }, []);

  if (!current) {
    if (result.error) {
      return (
        <section className="page">
          <h1 className="page__title">Get a Key</h1>
          <ErrorNotice error={result.error} title="The key request could not be loaded" onRetry={() => reexecute({ requestPolicy: 'network-only' })} />
        </section>
      );
    }
    if (result.fetching || !result.data) return <LoadingPanel label="Loading key request…" />;
    return (
      <section className="page">
        <h1 className="page__title">Get a Key</h1>
        <Alert tone="warning" title="Key request not found">
          <p>This key request does not exist, or it belongs to an account you are not a member of.</p>
          <p>
            <Link to="/get-a-key">Start a new key request</Link>
          </p>
        </Alert>
      </section>
    );
  }

  const step = resolveWizardStep(current.status, current.step, requested);
  const stepLabel = GET_A_KEY_STEPS.find((s) => s.number === step)?.label ?? '';

  return (
    <section className="page wizard">
      <div className="page__header">
        <div>
          <h1 className="page__title">Get a Key</h1>
          <p className="page__meta">
            <StatusBadge status={current.status} />
            <span>Started {formatDateTime(current.createdAt)}</span>
            {current.status === 'DRAFT' ? <span>Draft saved · kept until {formatDateTime(current.expiresAt)}</span> : null}
          </p>
        </div>
      </div>
      <Stepper current={step} />
      <div className="card wizard__panel">
        <h2 className="wizard__step-title" ref={headingRef} tabIndex={-1}>
          <span className="wizard__step-number">Step {step}</span> {stepLabel}
        </h2>
        {current.status === 'EXPIRED' ? (
          <Alert tone="warning" title="This key request has expired">
            <p>Drafts are kept for a limited time. Your serial numbers were not used; start a new request to get your keys.</p>
            <p>
              <Link to="/get-a-key">Start a new key request</Link>
            </p>
          </Alert>
        ) : step === 3 ? (
          <SerialsStep keyRequest={current} onUpdate={update} onContinue={() => goTo(4)} onStay={() => setRequested(3)} />
        ) : step === 4 ? (
          <RegistrationStep
            keyRequest={current}
            onUpdate={update}
            onBack={() => goTo(3)}
            onSaved={() => goTo(5)}
            draft={registrationDraft}
            onDraftChange={setRegistrationDraft}
          />
        ) : step === 5 ? (
          <ConfirmStep
            keyRequest={current}
            onUpdate={update}
            onBack={() => goTo(4)}
            onEditSerials={() => goTo(3)}
            onConfirmed={() => goTo(6)}
            onRefresh={() => reexecute({ requestPolicy: 'network-only' })}
          />
        ) : (
          <KeysStep keyRequest={current} polling={live.polling} />
        )}
      </div>
    </section>
  );
}

/**
 * Follows a submitted key request: subscribes to keyRequestUpdated and, if
 * the socket fails or stays silent, polls keyRequest(id) every 2 s instead.
 */
function useLiveKeyRequest(id: string, active: boolean, reexecute: (opts?: { requestPolicy?: 'network-only' }) => void) {
  const [subscription] = useSubscription({
    query: KeyRequestUpdatedSubscription,
    variables: { id },
    pause: !active,
  });
  const [socketFailed, setSocketFailed] = useState(false);
  const [snapshot, setSnapshot] = useState<KeyRequestData | null>(null);
  const reexecuteRef = useRef(reexecute);
  reexecuteRef.current = reexecute;

  const received = subscription.data?.keyRequestUpdated ?? null;
  useEffect(() => {
    if (received) setSnapshot((previous) => newerSnapshot(received, previous) ?? received);
  }, [received]);

  useEffect(() => {
    if (subscription.error) setSocketFailed(true);
  }, [subscription.error]);

  const hasData = received !== null;
  useEffect(() => {
    if (!active || hasData) return;
    const timer = window.setTimeout(() => setSocketFailed(true), SOCKET_GRACE_MS);
    return () => window.clearTimeout(timer);
  }, [active, hasData]);

  const polling = active && socketFailed;
  useEffect(() => {
    if (!polling) return;
    const timer = window.setInterval(() => reexecuteRef.current({ requestPolicy: 'network-only' }), POLL_INTERVAL_MS);
    return () => window.clearInterval(timer);
  }, [polling]);

  return { snapshot, polling };
}
