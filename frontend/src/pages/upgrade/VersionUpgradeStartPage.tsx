import { useRef, useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate, useSearchParams } from 'react-router-dom';
import { useMutation, useQuery } from 'urql';
import { Alert } from '../../components/Alert';
import { describeError, ErrorNotice } from '../../components/ErrorNotice';
import { Spinner } from '../../components/Spinner';
import { Stepper } from '../../components/Stepper';
import { SubmitButton } from '../../components/SubmitButton';
import { TextField } from '../../components/TextField';
import { usePageTitle } from '../../components/usePageTitle';
import { canRequestKeys } from '../../lib/accounts';
import { formatWait, humanize } from '../../lib/format';
import { VERSION_UPGRADE_FLOW } from '../../lib/steps';
import { isNotificationId, normaliseNotificationId, upgradeRefusalText } from '../../lib/upgrade';
import { useSession } from '../../session';
import { userErrorText } from '../wizard/messages';
import { UpgradeNotificationsQuery, UpgradeRequestStartMutation } from './documents';
import { NotificationList } from './NotificationList';
import { FieldHelp } from '../../components/FieldHelp';
import { discardedNotice } from '../wizard/WizardFrame';

const FIELD_ID = 'notification-id';

/**
 * Steps 2–3 of Version Upgrade: the user enters the notification ID (or picks
 * one of the account's open notifications) and a draft upgrade starts.
 */
export function VersionUpgradeStartPage() {
  usePageTitle('Version Upgrade');
  const { membership, actingFor } = useSession();
  const notice = discardedNotice(useLocation().state);
  // /version-upgrade?notification=VU-…: the notification centre's "Start upgrade" fills the ID in.
  const [params] = useSearchParams();
  const fromLink = params.get('notification') ?? '';
  if (!membership) return null;
  const account = membership.account;
  const allowed = canRequestKeys(membership.role);

  return (
    <div className="page">
      <div className="page__header">
        <div>
          <h1 className="page__title">Version Upgrade</h1>
          <p className="page__meta">
            <span>
              For {account.name} · {humanize(account.kind)} account {account.number}
            </span>
          </p>
        </div>
      </div>
      {notice ? (
        <Alert tone="success">
          <p>{notice}</p>
        </Alert>
      ) : null}
      <Stepper current={3} steps={VERSION_UPGRADE_FLOW.steps} label="Version Upgrade progress" />
      <div className="card wizard__panel">
        <h2 className="wizard__step-title">
          <span className="wizard__step-number">Step 3</span> Input Notification ID
        </h2>
        {allowed ? (
          <NotificationForm key={`${account.id}:${fromLink}`} accountId={account.id} initialId={fromLink} />
        ) : (
          <>
            <Alert tone="info" live={false}>
              {actingFor ? (
                <p>
                  Your partner account may only view {account.name}: you can see its licenses and key requests, but not upgrade
                  them. Ask the customer’s administrator for Manage access, or switch back to your own account in the header.
                </p>
              ) : (
                <p>
                  Your role on {account.name} is Viewer: you can see the account's licenses and key requests, but not upgrade
                  them. Ask an administrator of the account to make you a member or, if you belong to another account, switch to
                  it in the header.
                </p>
              )}
            </Alert>
            <p>
              <Link to="/">Back to the home page</Link>
            </p>
          </>
        )}
      </div>
    </div>
  );
}

function NotificationForm({ accountId, initialId = '' }: { accountId: string; initialId?: string }) {
  const navigate = useNavigate();
  const [text, setText] = useState(() => (initialId.trim() ? normaliseNotificationId(initialId) : ''));
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [{ fetching }, start] = useMutation(UpgradeRequestStartMutation);
  const [notifications, reexecute] = useQuery({ query: UpgradeNotificationsQuery, variables: { accountId }, requestPolicy: 'cache-and-network' });
  const inputRef = useRef<HTMLInputElement>(null);

  const begin = async (raw: string) => {
    setFieldError(null);
    setFormError(null);
    const notificationId = normaliseNotificationId(raw);
    setText(notificationId);
    if (!notificationId) {
      setFieldError('Enter the notification ID from your upgrade notification.');
      inputRef.current?.focus();
      return;
    }
    if (!isNotificationId(notificationId)) {
      setFieldError('Enter the notification ID as VU- followed by 10 letters and digits, e.g. VU-7K2M9QX4TD.');
      inputRef.current?.focus();
      return;
    }
    const result = await start({ input: { accountId, notificationId } });
    if (result.error) {
      setFormError(describeError(result.error));
      return;
    }
    const outcome = result.data?.upgradeRequestStart;
    if (!outcome) return;
    switch (outcome.__typename) {
      case 'UpgradeRequestStartSuccess':
        navigate(VERSION_UPGRADE_FLOW.path(outcome.keyRequest.id));
        return;
      case 'UpgradeRefused':
        // Every refusal here is about the notification ID, the only input of this step.
        setFieldError(upgradeRefusalText(outcome));
        inputRef.current?.focus();
        return;
      case 'RateLimited':
        setFormError(`${outcome.message || 'Too many attempts.'} Try again in ${formatWait(outcome.retryAfterSeconds)}.`);
        return;
      default:
        setFieldError(userErrorText(outcome));
        inputRef.current?.focus();
    }
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void begin(text);
  };

  const list = notifications.data?.upgradeNotifications ?? [];

  return (
    <div className="step step--notification">
      <form className="form" onSubmit={onSubmit} noValidate>
        <p className="step__intro">
          Enter the notification ID from the upgrade notification we sent you. It names the licenses that can move to the new
          version and how many seats of each.
        </p>
        {formError ? (
          <Alert tone="error">
            <p>{formError}</p>
          </Alert>
        ) : null}
        <TextField
          ref={inputRef}
          id={FIELD_ID}
          label="Notification ID"
          className="field--narrow"
          value={text}
          onValueChange={setText}
          onBlur={() => setText((value) => (value.trim() ? normaliseNotificationId(value) : value))}
          error={fieldError}
          autoComplete="off"
          autoCapitalize="characters"
          spellCheck={false}
          placeholder="VU-XXXXXXXXXX"
          hint="VU- followed by 10 letters and digits. Case and spaces do not matter."
          required
        />
        <FieldHelp topic="notificationId" />
        <div className="wizard__nav wizard__nav--end">
          <SubmitButton busy={fetching}>Continue</SubmitButton>
        </div>
      </form>

      <div className="subsection lost-notification">
        <h3 className="section-title">
          Lost your notification ID?
        </h3>
        <p className="muted">These upgrade notifications are open for your account.</p>
        {notifications.error && !notifications.data ? (
          <ErrorNotice
            error={notifications.error}
            title="Your upgrade notifications could not be loaded"
            onRetry={() => reexecute({ requestPolicy: 'network-only' })}
          />
        ) : !notifications.data ? (
          <Spinner label="Loading upgrade notifications…" />
        ) : list.length === 0 ? (
          <p className="empty-note">There are no open upgrade notifications for this account.</p>
        ) : (
          <NotificationList notifications={list} busy={fetching} onUse={(id) => void begin(id)} />
        )}
      </div>
    </div>
  );
}
