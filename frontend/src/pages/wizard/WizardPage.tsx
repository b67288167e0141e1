import { useState } from 'react';
import { Navigate, useParams, useSearchParams } from 'react-router-dom';
import { usePageTitle } from '../../components/usePageTitle';
import type { KeyRequestFieldsFragment } from '../../gql/graphql';
import type { RegistrationFormState } from '../../lib/registration';
import { flowFor, GET_A_KEY_FLOW, getAKeyViews, nextView, previousView, resolveView } from '../../lib/steps';
import { ConfirmStep } from './ConfirmStep';
import { KeyRequestQuery, KeyRequestUpdatedSubscription } from './documents';
import { KeyDeliveries } from './KeyDeliveries';
import { KeysStep } from './KeysStep';
import { RegistrationStep } from './RegistrationStep';
import { RenewalLicenseNote } from './RenewalLicenseNote';
import { RenewalTargetsStep } from './RenewalTargetsStep';
import { SerialsStep } from './SerialsStep';
import { useKeyRequest } from './useKeyRequest';
import { KeyRequestMissing, useWizardNavigation, WizardFrame } from './WizardFrame';

export type KeyRequestData = KeyRequestFieldsFragment;

const ORDER = GET_A_KEY_FLOW.order;

export function WizardPage() {
  const { id = '' } = useParams();
  return <Wizard key={id} id={id} />;
}

function Wizard({ id }: { id: string }) {
  usePageTitle('Get a Key');
  const [searchParams] = useSearchParams();
  /** Set when the user came from a license's "Renew": that license is preselected as the renewal target. */
  const renewLicenseId = searchParams.get('renew');
  const state = useKeyRequest({ id, query: KeyRequestQuery, subscription: KeyRequestUpdatedSubscription });
  const { requested, setRequested, goTo, headingRef } = useWizardNavigation();
  const [registrationDraft, setRegistrationDraft] = useState<RegistrationFormState | null>(null);
  const { current, update } = state;

  if (!current) return <KeyRequestMissing flow={GET_A_KEY_FLOW} state={state} />;
  if (current.kind !== 'NEW') return <Navigate to={flowFor(current.kind).path(current.id)} replace />;

  const views = getAKeyViews(current.serials, current.step);
  const view = resolveView(ORDER, current.status, current.step, requested);
  const step = GET_A_KEY_FLOW.numbers[view] ?? 3;
  const back = (from: typeof view) => goTo(previousView(ORDER, views, from, 'SERIALS'));
  const forward = (from: typeof view) => goTo(nextView(ORDER, views, from));

  return (
    <WizardFrame flow={GET_A_KEY_FLOW} keyRequest={current} step={step} headingRef={headingRef}>
      {view === 'SERIALS' ? (
        <>
          {renewLicenseId ? <RenewalLicenseNote licenseId={renewLicenseId} /> : null}
          <SerialsStep
            keyRequest={current}
            onUpdate={update}
            onContinue={() => forward('SERIALS')}
            onStay={() => setRequested('SERIALS')}
          />
        </>
      ) : view === 'RENEWAL_TARGETS' ? (
        <RenewalTargetsStep
          keyRequest={current}
          preferredLicenseId={renewLicenseId}
          onUpdate={update}
          onBack={() => back('RENEWAL_TARGETS')}
          onSaved={() => forward('RENEWAL_TARGETS')}
        />
      ) : view === 'REGISTRATION' ? (
        <RegistrationStep
          keyRequest={current}
          onUpdate={update}
          onBack={() => back('REGISTRATION')}
          onSaved={() => goTo('CONFIRM')}
          draft={registrationDraft}
          onDraftChange={setRegistrationDraft}
        />
      ) : view === 'CONFIRM' ? (
        <ConfirmStep
          keyRequest={current}
          onUpdate={update}
          onBack={() => back('CONFIRM')}
          onEditSerials={() => goTo('SERIALS')}
          onEditRenewals={() => goTo('RENEWAL_TARGETS')}
          onConfirmed={() => goTo('KEYS')}
          onRefresh={state.reload}
        />
      ) : (
        <KeysStep keyRequest={current} polling={state.polling} deliveries={<KeyDeliveries keyRequestId={current.id} />} />
      )}
    </WizardFrame>
  );
}
