import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { useMutation } from 'urql';
import { Alert } from '../components/Alert';
import { describeError } from '../components/ErrorNotice';
import { LoadingPanel } from '../components/Spinner';
import { Stepper } from '../components/Stepper';
import { usePageTitle } from '../components/usePageTitle';
import { canRequestKeys } from '../lib/accounts';
import { humanize } from '../lib/format';
import { useSession } from '../session';
import { KeyRequestStartMutation } from './wizard/documents';
import { userErrorText } from './wizard/messages';

/**
 * Step 2, "Select 'Get a Key'": opens a new draft key request for the
 * selected account and continues in the wizard. Viewers get an explanation.
 */
export function GetAKeyStartPage() {
  usePageTitle('Get a Key');
  const { membership, actingFor } = useSession();
  const navigate = useNavigate();
  const [searchParams] = useSearchParams();
  // "Renew" on a license passes its id on, so the wizard can preselect it.
  const renew = searchParams.get('renew');
  const [, start] = useMutation(KeyRequestStartMutation);
  const [error, setError] = useState<string | null>(null);
  const startedFor = useRef<string | null>(null);

  const accountId = membership?.account.id ?? null;
  const allowed = canRequestKeys(membership?.role);

  const startDraft = useCallback(
    async (id: string) => {
      setError(null);
      const result = await start({ input: { accountId: id } });
      if (result.error) {
        setError(describeError(result.error));
        return;
      }
      const outcome = result.data?.keyRequestStart;
      if (!outcome) return;
      if (outcome.__typename === 'KeyRequestStartSuccess') {
        const query = renew ? `?${new URLSearchParams({ renew }).toString()}` : '';
        navigate(`/get-a-key/${encodeURIComponent(outcome.keyRequest.id)}${query}`, { replace: true });
      } else {
        setError(userErrorText(outcome));
      }
    },
    [start, navigate, renew],
  );

  useEffect(() => {
    if (!accountId || !allowed || startedFor.current === accountId) return;
    startedFor.current = accountId;
    void startDraft(accountId);
  }, [accountId, allowed, startDraft]);

  if (!membership) return null;
  const account = membership.account;

  return (
    <div className="page">
      <div className="page__header">
        <div>
          <h1 className="page__title">Get a Key</h1>
          <p className="page__meta">
            <span>
              For {account.name} · {humanize(account.kind)} account {account.number}
            </span>
          </p>
        </div>
      </div>
      <Stepper current={2} />
      <div className="card start-card">
        {!allowed ? (
          <>
            <h2 className="section__title">Viewers cannot request keys</h2>
            <Alert tone="info" live={false}>
              {actingFor ? (
                <p>
                  Your partner account may only view {account.name}: you can see its licenses and key requests, but not request
                  new keys. Ask the customer’s administrator for Manage access, or switch back to your own account in the header.
                </p>
              ) : (
                <p>
                  Your role on {account.name} is Viewer: you can see the account's key requests and messages, but not request
                  new keys. Ask an administrator of the account to make you a member
                  {` `}or, if you belong to another account, switch to it in the header.
                </p>
              )}
            </Alert>
            <p>
              <Link to="/">Back to the home page</Link>
            </p>
          </>
        ) : error ? (
          <>
            <Alert tone="error" title="The key request could not be started">
              <p>{error}</p>
            </Alert>
            <div className="form__actions form__actions--start">
              <button type="button" className="button button--primary" onClick={() => void startDraft(account.id)}>
                Try again
              </button>
            </div>
          </>
        ) : (
          <LoadingPanel label="Starting your key request…" />
        )}
      </div>
    </div>
  );
}
