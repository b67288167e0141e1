import { useState } from 'react';
import { Navigate, useParams } from 'react-router-dom';
import { usePageTitle } from '../../components/usePageTitle';
import type { RegistrationFormState } from '../../lib/registration';
import { flowFor, resolveView, VERSION_UPGRADE_FLOW } from '../../lib/steps';
import { KeysStep } from '../wizard/KeysStep';
import { KeyDeliveries } from '../wizard/KeyDeliveries';
import { useKeyRequest } from '../wizard/useKeyRequest';
import { KeyRequestMissing, useWizardNavigation, WizardFrame } from '../wizard/WizardFrame';
import { UpgradeRequestQuery, UpgradeRequestUpdatedSubscription } from './documents';
import { UpgradeConfirmStep } from './UpgradeConfirmStep';
import { UpgradeProductStep } from './UpgradeProductStep';
import { UpgradeQuantityStep } from './UpgradeQuantityStep';
import { UpgradeRegistrationStep } from './UpgradeRegistrationStep';

const ORDER = VERSION_UPGRADE_FLOW.order;

/** /version-upgrade/:id — steps 4 to 7 of a Version Upgrade draft. */
export function UpgradeWizardPage() {
  const { id = '' } = useParams();
  return <UpgradeWizard key={id} id={id} />;
}

function UpgradeWizard({ id }: { id: string }) {
  usePageTitle('Version Upgrade');
  const state = useKeyRequest({ id, query: UpgradeRequestQuery, subscription: UpgradeRequestUpdatedSubscription });
  const { requested, goTo, headingRef } = useWizardNavigation();
  const [registrationDraft, setRegistrationDraft] = useState<RegistrationFormState | null>(null);
  const { current, update } = state;

  if (!current) return <KeyRequestMissing flow={VERSION_UPGRADE_FLOW} state={state} />;
  if (current.kind !== 'UPGRADE') return <Navigate to={flowFor(current.kind).path(current.id)} replace />;

  const view = resolveView(ORDER, current.status, current.step, requested);
  const step = VERSION_UPGRADE_FLOW.numbers[view] ?? 4;
  const notificationMeta = current.notification ? (
    <span>
      Notification <code className="mono">{current.notification.notificationId}</code>
    </span>
  ) : null;

  return (
    <WizardFrame flow={VERSION_UPGRADE_FLOW} keyRequest={current} step={step} headingRef={headingRef} meta={notificationMeta}>
      {view === 'UPGRADE_PRODUCT' ? (
        <UpgradeProductStep keyRequest={current} onUpdate={update} onSaved={() => goTo('UPGRADE_QUANTITY')} />
      ) : view === 'UPGRADE_QUANTITY' ? (
        <UpgradeQuantityStep
          keyRequest={current}
          onUpdate={update}
          onBack={() => goTo('UPGRADE_PRODUCT')}
          onSaved={() => goTo('REGISTRATION')}
        />
      ) : view === 'REGISTRATION' ? (
        <UpgradeRegistrationStep
          keyRequest={current}
          onUpdate={update}
          onBack={() => goTo('UPGRADE_QUANTITY')}
          onSaved={() => goTo('CONFIRM')}
          draft={registrationDraft}
          onDraftChange={setRegistrationDraft}
        />
      ) : view === 'CONFIRM' ? (
        <UpgradeConfirmStep
          keyRequest={current}
          onUpdate={update}
          onEditProduct={() => goTo('UPGRADE_PRODUCT')}
          onEditQuantity={() => goTo('UPGRADE_QUANTITY')}
          onEditRegistration={() => goTo('REGISTRATION')}
          onConfirmed={() => goTo('KEYS')}
          onRefresh={state.reload}
        />
      ) : view === 'KEYS' ? (
        <KeysStep
          keyRequest={current}
          polling={state.polling}
          next={{ to: '/version-upgrade', label: 'Start another upgrade' }}
          failureNote="No seats were upgraded and your notification can still be used."
          deliveries={<KeyDeliveries keyRequestId={current.id} />}
        />
      ) : (
        <UnexpectedStep />
      )}
    </WizardFrame>
  );
}

function UnexpectedStep() {
  return <p className="empty-note">This step is not part of a version upgrade. Reload the page to continue.</p>;
}
