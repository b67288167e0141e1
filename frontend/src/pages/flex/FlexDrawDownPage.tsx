import { useCallback, useState } from 'react';
import { Navigate, useParams } from 'react-router-dom';
import { usePageTitle } from '../../components/usePageTitle';
import { placeFlexErrors, type CartLine } from '../../lib/flex';
import type { RegistrationFormState } from '../../lib/registration';
import { FLEX_DRAW_DOWN_FLOW, flowFor, resolveView } from '../../lib/steps';
import { ConfirmStep } from '../wizard/ConfirmStep';
import { KeyRequestUpdatedSubscription } from '../wizard/documents';
import { KeyDeliveries } from '../wizard/KeyDeliveries';
import { KeysStep } from '../wizard/KeysStep';
import { RegistrationStep } from '../wizard/RegistrationStep';
import { userErrorText } from '../wizard/messages';
import { useKeyRequest } from '../wizard/useKeyRequest';
import { KeyRequestMissing, useWizardNavigation, WizardFrame } from '../wizard/WizardFrame';
import { FlexDrawDownQuery } from './documents';
import { FlexCartStep, FlexCartSummary, savedCart } from './FlexCartStep';
import { formatPoints } from '../../lib/flex';

/** /flex/draw-downs/:id — a draw-down: cart, the shared registration and confirm steps, keys live. */
export function FlexDrawDownPage() {
  const { id = '' } = useParams();
  return <FlexDrawDown key={id} id={id} />;
}

function FlexDrawDown({ id }: { id: string }) {
  usePageTitle('Draw down licenses');
  const state = useKeyRequest({ id, query: FlexDrawDownQuery, subscription: KeyRequestUpdatedSubscription });
  const { requested, goTo, headingRef } = useWizardNavigation();
  const [registrationDraft, setRegistrationDraft] = useState<RegistrationFormState | null>(null);
  const [cart, setCart] = useState<CartLine[] | null>(null);
  const [cartErrors, setCartErrors] = useState<string[]>([]);
  const { current, update } = state;
  const clearCartErrors = useCallback(() => setCartErrors([]), []);

  if (!current) return <KeyRequestMissing flow={FLEX_DRAW_DOWN_FLOW} state={state} />;
  if (current.kind !== 'FLEX') return <Navigate to={flowFor(current.kind).path(current.id)} replace />;

  const view = resolveView(FLEX_DRAW_DOWN_FLOW.order, current.status, current.step, requested);
  const step = FLEX_DRAW_DOWN_FLOW.numbers[view] ?? 1;
  const contract = current.flexContract;
  const meta = contract ? (
    <span>
      Contract <strong>{contract.number}</strong>
      {current.status === 'DRAFT' ? ` · ${formatPoints(contract.drawablePoints)} drawable` : ''}
    </span>
  ) : null;
  const contractPath = contract ? `/flex/contracts/${encodeURIComponent(contract.id)}/deployments` : '/flex';

  return (
    <WizardFrame flow={FLEX_DRAW_DOWN_FLOW} keyRequest={current} step={step} headingRef={headingRef} meta={meta}>
      {view === 'FLEX_ITEMS' ? (
        <FlexCartStep
          keyRequest={current}
          onUpdate={update}
          cart={cart ?? savedCart(current)}
          onCartChange={setCart}
          onSaved={() => {
            setCart(null);
            setCartErrors([]);
            goTo('REGISTRATION');
          }}
        />
      ) : view === 'REGISTRATION' ? (
        <RegistrationStep
          keyRequest={current}
          onUpdate={update}
          onBack={() => goTo('FLEX_ITEMS')}
          onSaved={() => goTo('CONFIRM')}
          draft={registrationDraft}
          onDraftChange={setRegistrationDraft}
          summary={<FlexCartSummary keyRequest={current} onEdit={() => goTo('FLEX_ITEMS')} bare />}
        />
      ) : view === 'CONFIRM' ? (
        <ConfirmStep
          keyRequest={current}
          onUpdate={update}
          onBack={() => goTo('REGISTRATION')}
          onConfirmed={() => goTo('KEYS')}
          onRefresh={state.reload}
          registrationRequired
          confirmLabel="Confirm and draw down"
          intro={
            <>
              Check the details below. When you confirm, {formatPoints(current.flexCostPoints ?? 0)} are deducted from{' '}
              <strong className="flex-nowrap">{contract?.number ?? 'the contract'}</strong>, one license per product is registered to{' '}
              <strong>{current.registration?.company ?? 'your company'}</strong> and its keys are signed. You can return a
              draw-down within 30 days.
            </>
          }
          summary={<FlexCartSummary keyRequest={current} errors={cartErrors} onEdit={() => goTo('FLEX_ITEMS')} />}
          onConfirming={clearCartErrors}
          onRefused={(outcome) => {
            const placed = placeFlexErrors({ ...outcome, message: userErrorText(outcome) });
            if (placed.cart.length === 0) return false;
            setCartErrors(placed.cart);
            if (outcome.__typename === 'FlexPointsExhausted') state.reload();
            return true;
          }}
        />
      ) : (
        <KeysStep
          keyRequest={current}
          polling={state.polling}
          next={{ to: contractPath, label: 'See the deployments' }}
          failureNote="Check the contract's deployments before drawing down again."
          deliveries={<KeyDeliveries keyRequestId={current.id} />}
        />
      )}
    </WizardFrame>
  );
}
