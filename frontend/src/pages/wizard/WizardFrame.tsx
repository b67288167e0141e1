import { useCallback, useRef, useState, type ReactNode } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { Alert } from '../../components/Alert';
import { ErrorNotice } from '../../components/ErrorNotice';
import { LoadingPanel } from '../../components/Spinner';
import { StatusBadge } from '../../components/StatusBadge';
import { Stepper } from '../../components/Stepper';
import { canRequestKeys } from '../../lib/accounts';
import { formatDateTime, humanize } from '../../lib/format';
import { mayDiscardDraft } from '../../lib/keyRequest';
import type { RequestStatus, ServerStep, WizardFlow } from '../../lib/steps';
import { useSession } from '../../session';
import { DiscardDraftButton } from '../DiscardDraftButton';
import type { KeyRequestState } from './useKeyRequest';

interface FlowTexts {
  restart: string;
  expired: string;
}

const TEXTS: Record<WizardFlow['kind'], FlowTexts> = {
  NEW: {
    restart: 'Start a new key request',
    expired: 'Drafts are kept for a limited time. Your serial numbers were not used; start a new request to get your keys.',
  },
  UPGRADE: {
    restart: 'Start a new version upgrade',
    expired: 'Drafts are kept for a limited time. No seats were upgraded; start again with your notification ID.',
  },
  REHOST: {
    restart: 'Back to your licenses',
    expired: 'Drafts are kept for a limited time. The key was not moved; start the re-host again from the license.',
  },
  FLEX: {
    restart: 'Back to your contracts',
    expired: 'Drafts are kept for a limited time. No points were drawn; start a new draw-down from the contract.',
  },
  VOUCHER: {
    restart: 'Back to the Voucher Center',
    expired: 'A voucher conversion is never a draft: its results and keys are on the Voucher Center.',
  },
};

/**
 * The step the wizard shows (null: resume where the server stands) and a
 * `goTo` that moves there and puts focus on the step heading.
 */
export function useWizardNavigation() {
  const [requested, setRequested] = useState<ServerStep | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const goTo = useCallback((step: ServerStep | null) => {
    setRequested(step);
    window.requestAnimationFrame(() => {
      headingRef.current?.focus();
      headingRef.current?.scrollIntoView?.({ block: 'nearest' });
    });
  }, []);
  return { requested, setRequested, goTo, headingRef };
}

/** Loading, error and "not found" states of a wizard page before its key request is known. */
export function KeyRequestMissing<T>({ flow, state }: { flow: WizardFlow; state: KeyRequestState<T> }) {
  const texts = TEXTS[flow.kind];
  if (state.error && !state.loaded) {
    return (
      <section className="page">
        <h1 className="page__title">{flow.title}</h1>
        <ErrorNotice error={state.error} title={`The ${flow.noun} could not be loaded`} onRetry={state.reload} />
      </section>
    );
  }
  if (!state.loaded) return <LoadingPanel label={`Loading ${flow.noun}…`} />;
  return (
    <section className="page">
      <h1 className="page__title">{flow.title}</h1>
      <Alert tone="warning" title={`${capitalise(flow.noun)} not found`}>
        <p>This {flow.noun} does not exist, or it belongs to an account you are not a member of.</p>
        <p>
          <Link to={flow.startPath}>{texts.restart}</Link>
        </p>
      </Alert>
    </section>
  );
}

interface WizardFrameProps {
  flow: WizardFlow;
  keyRequest: { id: string; status: RequestStatus; createdAt: string; expiresAt: string; requestedBy?: { id: string } | null };
  /** Stepper number of the step shown. */
  step: number;
  headingRef: React.RefObject<HTMLHeadingElement | null>;
  /** Extra facts for the line under the title. */
  meta?: ReactNode;
  children: ReactNode;
}

/**
 * Title, status line, stepper and the panel of the current step; an expired
 * request shows a notice instead, and so does a draft the user may see but not
 * change (a viewer: no live buttons that would then fail). A draft's creator or
 * an account admin may discard it ("Discard", asked in a dialog), which goes
 * back to the flow's start page (Home for Get a Key: see discardedPath).
 */
export function WizardFrame({ flow, keyRequest, step, headingRef, meta, children }: WizardFrameProps) {
  const texts = TEXTS[flow.kind];
  const { user, membership } = useSession();
  const navigate = useNavigate();
  // A draw-down's right to draw is the user's role on its contract, not on the account.
  const readOnly = keyRequest.status === 'DRAFT' && flow.kind !== 'FLEX' && membership !== null && !canRequestKeys(membership.role);
  const label = flow.steps.find((s) => s.number === step)?.label ?? '';
  return (
    <section className="page wizard">
      <div className="page__header">
        <div>
          <h1 className="page__title">{flow.title}</h1>
          <p className="page__meta">
            <StatusBadge status={keyRequest.status} />
            <span>Started {formatDateTime(keyRequest.createdAt)}</span>
            {meta}
            {keyRequest.status === 'DRAFT' ? <span>Draft saved · kept until {formatDateTime(keyRequest.expiresAt)}</span> : null}
          </p>
        </div>
        {mayDiscardDraft(keyRequest, user?.id, membership?.role) ? (
          <div className="page__actions">
            <DiscardDraftButton
              keyRequestId={keyRequest.id}
              noun={flow.noun}
              label="this draft"
              className="button button--secondary button--small"
              onDiscarded={() => navigate(discardedPath(flow), { state: { discarded: flow.noun } })}
            />
          </div>
        ) : null}
      </div>
      <Stepper current={step} steps={flow.steps} label={`${flow.title} progress`} />
      <div className="card wizard__panel">
        <h2 className="wizard__step-title" ref={headingRef} tabIndex={-1}>
          <span className="wizard__step-number">Step {step}</span> {label}
        </h2>
        {keyRequest.status === 'EXPIRED' ? (
          <Alert tone="warning" title={`This ${flow.noun} has expired`}>
            <p>{texts.expired}</p>
            <p>
              <Link to={flow.startPath}>{texts.restart}</Link>
            </p>
          </Alert>
        ) : readOnly && membership ? (
          <Alert tone="info" title={`Your role (${humanize(membership.role)}) cannot request keys`}>
            <p>
              You can follow this {flow.noun}, but only a member or an administrator of {membership.account.name} can change or
              confirm it.
            </p>
            <p>
              <Link to="/">Back to the home page</Link>
            </p>
          </Alert>
        ) : (
          children
        )}
      </div>
    </section>
  );
}

/**
 * Where a discarded draft's wizard goes: the flow's start page, but Home for Get
 * a Key (its start page would open a new draft at once).
 */
export function discardedPath(flow: WizardFlow): string {
  return flow.kind === 'NEW' ? '/' : flow.startPath;
}

/** The notice a page shows after a wizard discarded its draft and came here (navigation state). */
export function discardedNotice(state: unknown): string | null {
  if (state && typeof state === 'object' && 'discarded' in state && typeof state.discarded === 'string') {
    return `Your draft ${state.discarded} was discarded.`;
  }
  return null;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
