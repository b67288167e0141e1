import { useDeferredValue, useId, useMemo, useRef, useState, type ChangeEvent, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { Alert } from '../../components/Alert';
import { describeError } from '../../components/ErrorNotice';
import { RadioCard } from '../../components/RadioCard';
import { SelectField } from '../../components/SelectField';
import { SubmitButton } from '../../components/SubmitButton';
import { TextField } from '../../components/TextField';
import type { VoucherConvertMutation as VoucherConvertResult, VoucherKeyProgressFieldsFragment } from '../../gql/graphql';
import { isPartnerUser } from '../../lib/accounts';
import { isEmailAddress } from '../../lib/email';
import { mapFieldErrors } from '../../lib/fieldErrors';
import { formatNumber } from '../../lib/flex';
import { newUuid } from '../../lib/idempotency';
import {
  checkVoucherEntries,
  codeCountLabel,
  codesToSend,
  MAX_CODES_PER_CONVERSION,
  mergeVoucherResults,
  parseVoucherCsv,
  parseVoucherText,
  type CheckedVoucherEntry,
  type VoucherResultRow,
} from '../../lib/vouchers';
import { useSession } from '../../session';
import { ManagedAccountSearchQuery } from '../partner/documents';
import { userErrorText } from '../wizard/messages';
import { VoucherConvertMutation } from './documents';

type Success = Extract<VoucherConvertResult['voucherConvert'], { __typename: 'VoucherConvertSuccess' }>;

export interface Converted {
  rows: VoucherResultRow[];
  conversion: Success['conversion'];
  keyRequest: VoucherKeyProgressFieldsFragment;
  replayed: boolean;
}

type TargetKind = 'SELF' | 'ACCOUNT' | 'EMAIL';

/** Browser-check problems listed under the codes; the rest are counted. */
const PROBLEMS_LISTED = 20;

/** Accounts other than the current one the user may convert into: own memberships (not as a viewer) and customers a partner account manages. */
function useOtherAccounts(currentId: string) {
  const { user } = useSession();
  const partner = user ? isPartnerUser(user.memberships) : false;
  const [managed] = useQuery({ query: ManagedAccountSearchQuery, variables: { name: null }, pause: !partner });
  return useMemo(() => {
    const seen = new Set<string>([currentId]);
    const options: { id: string; label: string }[] = [];
    for (const m of user?.memberships ?? []) {
      if (m.role === 'VIEWER' || seen.has(m.account.id)) continue;
      seen.add(m.account.id);
      options.push({ id: m.account.id, label: `${m.account.name} (${m.account.number})` });
    }
    for (const edge of managed.data?.managedAccounts.edges ?? []) {
      if (edge.scope !== 'MANAGE' || seen.has(edge.node.id)) continue;
      seen.add(edge.node.id);
      options.push({ id: edge.node.id, label: `${edge.node.name} (${edge.node.number}), a customer` });
    }
    return options;
  }, [user, managed.data, currentId]);
}

/**
 * Pasted codes or a CSV file, checked in the browser line by line as they are typed.
 *
 * Decision: a code that fails the browser check (wrong length, a character that cannot be
 * in a code, a wrong check character) is never sent — it cannot be a voucher, and unknown
 * codes count against the account's rate limit. The well-formed codes still go, so one typo
 * in 10,000 lines does not hold the rest back; the typo lines appear in the result table
 * as TYPO ("Not sent"), in their place, so the downloaded CSV has every line.
 */
export function ConvertForm({ accountId, accountName, onConverted }: { accountId: string; accountName: string; onConverted: (converted: Converted) => void }) {
  const [text, setText] = useState('');
  const [file, setFile] = useState<{ name: string; entries: CheckedVoucherEntry[] } | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [target, setTarget] = useState<TargetKind>('SELF');
  const [targetAccountId, setTargetAccountId] = useState('');
  const [email, setEmail] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  // After a conversion: how many lines were not sent and are left in the box.
  const [leftOver, setLeftOver] = useState(0);
  const [{ fetching }, convert] = useMutation(VoucherConvertMutation);
  const others = useOtherAccounts(accountId);
  const fileInput = useRef<HTMLInputElement>(null);
  // The key of an attempt whose answer never came: sending the same again reuses it, so the server converts once.
  const pending = useRef<{ signature: string; key: string } | null>(null);
  const ids = useId();

  const deferredText = useDeferredValue(text);
  const fromText = useMemo(() => checkVoucherEntries(parseVoucherText(deferredText)), [deferredText]);
  const entries = file ? file.entries : fromText;
  const problems = useMemo(() => entries.filter((entry) => !entry.check.ok), [entries]);
  const sendable = entries.length - problems.length;
  const where = file ? `Row` : 'Line';

  const onFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const chosen = event.target.files?.[0];
    setFileError(null);
    if (!chosen) return;
    try {
      const content = await chosen.text();
      setFile({ name: chosen.name, entries: checkVoucherEntries(parseVoucherCsv(content)) });
    } catch {
      setFileError('The file could not be read.');
    }
  };

  const removeFile = () => {
    setFile(null);
    if (fileInput.current) fileInput.current.value = '';
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const found: Record<string, string> = {};
    if (entries.length === 0) found.codes = 'Paste the voucher codes or choose a CSV file.';
    else if (sendable === 0) found.codes = 'None of these codes can be a voucher: fix the lines listed below.';
    else if (entries.length > MAX_CODES_PER_CONVERSION) found.codes = `At most ${formatNumber(MAX_CODES_PER_CONVERSION)} codes at a time: split the list.`;
    if (target === 'ACCOUNT' && !targetAccountId) found.target = 'Choose the account.';
    if (target === 'EMAIL' && !isEmailAddress(email.trim())) found.email = 'Enter the customer’s e-mail address, e.g. name@example.com.';
    setErrors(found);
    if (Object.keys(found).length > 0) return;

    const { codes, entryIndex } = codesToSend(entries);
    const targetInput =
      target === 'ACCOUNT' ? { accountId: targetAccountId } : target === 'EMAIL' ? { email: email.trim() } : null;
    const signature = JSON.stringify([accountId, codes, targetInput]);
    const idempotencyKey = pending.current?.signature === signature ? pending.current.key : newUuid();
    pending.current = { signature, key: idempotencyKey };

    const result = await convert({ input: { accountId, codes, target: targetInput, idempotencyKey } });
    if (result.error) {
      setError(describeError(result.error));
      return; // No answer: the same codes are sent with the same key next time.
    }
    pending.current = null;
    const outcome = result.data?.voucherConvert;
    if (!outcome) return;
    if (outcome.__typename === 'VoucherConvertSuccess') {
      // The lines not sent stay in the box, to be fixed and sent again; the rest are done.
      const unsent = entries.filter((entry) => !entry.check.ok).map((entry) => entry.entered);
      setText(unsent.join('\n'));
      removeFile();
      setLeftOver(unsent.length);
      onConverted({
        rows: mergeVoucherResults(entries, entryIndex, outcome.conversion.lines),
        conversion: outcome.conversion,
        keyRequest: outcome.keyRequest,
        replayed: outcome.replayed,
      });
      return;
    }
    if (outcome.__typename === 'InvalidInput') {
      const fieldErrors = mapFieldErrors(outcome.fieldErrors);
      const placed: Record<string, string> = {};
      for (const [path, message] of Object.entries(fieldErrors)) {
        if (path.includes('email')) placed.email = message;
        else if (path.includes('target') || path.includes('accountId')) placed.target = message;
        else placed.codes = message;
      }
      setErrors(placed);
      if (Object.keys(placed).length === 0) setError(userErrorText(outcome));
      return;
    }
    setError(userErrorText(outcome));
  };

  const codesHint = `${ids}-codes-hint`;
  const codesCount = `${ids}-codes-count`;
  const codesProblems = `${ids}-codes-problems`;
  const codesError = `${ids}-codes-error`;
  const describedBy = [codesHint, codesCount, problems.length ? codesProblems : '', errors.codes ? codesError : ''].filter(Boolean).join(' ');

  return (
    <form className="form voucher-form card card--padded" onSubmit={submit} noValidate aria-labelledby="voucher-convert-heading">
      <h2 className="section__title" id="voucher-convert-heading">
        Convert vouchers
      </h2>
      <div className={`field${errors.codes ? ' field--invalid' : ''}`}>
        <label className="field__label" htmlFor="voucher-codes">
          Voucher codes
        </label>
        <textarea
          id="voucher-codes"
          className="textarea textarea--mono voucher-form__codes"
          rows={8}
          value={text}
          onChange={(event) => {
            setText(event.target.value);
            setLeftOver(0);
          }}
          spellCheck={false}
          autoCapitalize="characters"
          autoComplete="off"
          disabled={file !== null}
          aria-invalid={errors.codes || (!file && problems.length) ? true : undefined}
          aria-describedby={describedBy}
          placeholder={'e.g. 7K3M-9QWX-2RT8-HJND\nQ4V1-T6N0-S8W2-Z5XT'}
        />
        <div className="serial-form__meta">
          <p className="field__hint" id={codesHint}>
            One per line, or separated by commas. Dashes, spaces and upper or lower case do not matter.
          </p>
          <p className="serial-form__count" id={codesCount} aria-live="polite" data-testid="voucher-count">
            {entries.length === 0
              ? 'No codes entered'
              : `${codeCountLabel(entries.length)}${problems.length ? ` · ${formatNumber(problems.length)} to fix` : ' · all look right'}`}
          </p>
        </div>
        {leftOver > 0 && !file ? (
          <p className="small muted">
            The {leftOver === 1 ? 'line' : `${formatNumber(leftOver)} lines`} not sent {leftOver === 1 ? 'is' : 'are'} left here to fix
            and send again; the results below list every line.
          </p>
        ) : null}
        {errors.codes ? (
          <p className="field__error" id={codesError}>
            {errors.codes}
          </p>
        ) : null}
      </div>

      <div className="field voucher-form__file">
        <label className="field__label" htmlFor="voucher-file">
          Or upload a CSV file
        </label>
        <input ref={fileInput} id="voucher-file" type="file" accept=".csv,.txt,text/csv,text/plain" className="voucher-form__file-input" onChange={onFile} />
        <p className="field__hint">The first column with voucher codes is read; a header row is skipped.</p>
        {file ? (
          <p className="voucher-form__file-chosen">
            <strong>{file.name}</strong>: {codeCountLabel(file.entries.length)}.{' '}
            <button type="button" className="button button--link button--small" onClick={removeFile}>
              Remove the file <span className="visually-hidden">{file.name}</span>
            </button>
          </p>
        ) : null}
        {fileError ? (
          <p className="field__error" role="alert">
            {fileError}
          </p>
        ) : null}
      </div>

      {problems.length > 0 ? (
        <div className="voucher-problems" id={codesProblems}>
          <p className="voucher-problems__title">
            {problems.length === 1 ? 'One line needs a look' : `${formatNumber(problems.length)} lines need a look`}
            {sendable === 0
              ? ' — fix before sending.'
              : ` — fix ${problems.length === 1 ? 'it' : 'them'} before sending, or send the rest: ${
                  problems.length === 1 ? 'it is' : 'they are'
                } not sent and ${problems.length === 1 ? 'shows' : 'show'} as Typo in the results.`}
          </p>
          <ul className="voucher-problems__list">
            {problems.slice(0, PROBLEMS_LISTED).map((entry) => (
              <li key={entry.line}>
                {where} {entry.sourceLine}: {entry.check.ok ? '' : entry.check.message}{' '}
                <code className="mono">{entry.entered}</code>
              </li>
            ))}
          </ul>
          {problems.length > PROBLEMS_LISTED ? (
            <p className="small muted">…and {formatNumber(problems.length - PROBLEMS_LISTED)} more; the results list every one.</p>
          ) : null}
        </div>
      ) : null}

      <fieldset className={`fieldset voucher-form__target${errors.target ? ' choice-group--invalid' : ''}`}>
        <legend className="fieldset__legend">Licenses for</legend>
        <div className="choice-list choice-list--row">
          <RadioCard name="voucher-target" value="SELF" checked={target === 'SELF'} onChange={() => setTarget('SELF')} title={accountName} facts="This account" />
          <RadioCard
            name="voucher-target"
            value="ACCOUNT"
            checked={target === 'ACCOUNT'}
            onChange={() => setTarget('ACCOUNT')}
            title="Another account"
            facts={others.length ? 'One you can act for' : 'You act for no other account'}
            disabled={others.length === 0}
          />
          <RadioCard name="voucher-target" value="EMAIL" checked={target === 'EMAIL'} onChange={() => setTarget('EMAIL')} title="A customer" facts="By e-mail address" />
        </div>
        {target === 'ACCOUNT' ? (
          <SelectField id="voucher-target-account" label="Account" value={targetAccountId} onValueChange={setTargetAccountId} error={errors.target}>
            <option value="">Choose…</option>
            {others.map((option) => (
              <option key={option.id} value={option.id}>
                {option.label}
              </option>
            ))}
          </SelectField>
        ) : errors.target ? (
          <p className="field__error">{errors.target}</p>
        ) : null}
        {target === 'EMAIL' ? (
          <TextField
            id="voucher-target-email"
            label="Customer’s e-mail address"
            type="email"
            inputMode="email"
            autoComplete="off"
            value={email}
            onValueChange={setEmail}
            error={errors.email}
            hint="The licenses go to the customer’s own account for this address; they are e-mailed how to sign in and find them."
          />
        ) : null}
      </fieldset>

      {error ? (
        <Alert tone="error">
          <p>{error}</p>
        </Alert>
      ) : null}
      <div className="form__actions form__actions--start">
        <SubmitButton busy={fetching}>
          {sendable > 0 ? `Convert ${codeCountLabel(sendable).replace('code', 'voucher')}` : 'Convert vouchers'}
        </SubmitButton>
        {problems.length > 0 && sendable > 0 ? (
          <span className="small muted">{formatNumber(problems.length)} with problems stay unsent.</span>
        ) : null}
      </div>
    </form>
  );
}
