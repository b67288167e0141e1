import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { useClient } from 'urql';
import { Alert } from '../../components/Alert';
import { describeError } from '../../components/ErrorNotice';
import { FieldHelp } from '../../components/FieldHelp';
import { SubmitButton } from '../../components/SubmitButton';
import { TextField } from '../../components/TextField';
import { formatSerial } from '../../lib/serials';
import { rateLimitedText } from '../wizard/messages';
import { SerialDownloadsQuery, type DownloadRelease, type SerialDownloadsData, type SerialLookupError } from './documents';
import { ReleaseList } from './ReleaseList';

interface Found {
  serialNumber: string;
  product: SerialDownloadsData['serialDownloads']['product'];
  releases: readonly DownloadRelease[];
  receivedAt: number;
}

/** The sentence shown at the field for the lookup's refusal. */
function lookupErrorText(error: SerialLookupError): string {
  if (error.__typename === 'RateLimited') {
    return rateLimitedText(error, 'Too many serial numbers were not found.');
  }
  if (error.code === 'NOT_FOUND') {
    return error.message || 'No serial number like this is registered to an account you can see. Check it against your license certificate.';
  }
  return error.message || 'This serial number could not be looked up.';
}

/**
 * "Have a serial number?": the releases of the product a license certificate's serial number
 * is for, whether or not it was turned into a license yet. An unknown serial and one of
 * another company's account get the same answer, said at the field.
 */
export function SerialLookup({ headingId }: { headingId: string }) {
  const client = useClient();
  const [serial, setSerial] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [found, setFound] = useState<Found | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const resultHeading = useRef<HTMLHeadingElement>(null);
  // A lookup's answer takes the focus (and is read out from its heading); a renewed link does not.
  const focusResult = useRef(false);
  useEffect(() => {
    if (found && focusResult.current) {
      focusResult.current = false;
      resultHeading.current?.focus();
    }
  }, [found]);

  const lookUp = useCallback(
    (serialNumber: string) => client.query(SerialDownloadsQuery, { serialNumber }, { requestPolicy: 'network-only' }).toPromise(),
    [client],
  );

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    const serialNumber = serial.trim();
    if (!serialNumber) {
      setError('Enter the serial number from your license certificate, e.g. M123-456-7890.');
      input.current?.focus();
      return;
    }
    setBusy(true);
    const result = await lookUp(serialNumber);
    setBusy(false);
    const answer = result.data?.serialDownloads;
    if (!answer) {
      setFailure(result.error ? describeError(result.error) : 'The serial number could not be looked up. Please try again.');
      return;
    }
    const refusal = answer.errors[0];
    if (refusal) {
      setError(lookupErrorText(refusal));
      setFound(null);
      input.current?.focus();
      return;
    }
    setError(null);
    focusResult.current = true;
    setFound({ serialNumber: answer.serialNumber, product: answer.product, releases: answer.releases, receivedAt: Date.now() });
  };

  const refresh = useCallback(async (): Promise<readonly DownloadRelease[] | null> => {
    if (!found) return null;
    const result = await lookUp(found.serialNumber);
    const answer = result.data?.serialDownloads;
    if (!answer || answer.errors.length > 0) return null;
    setFound({ ...found, product: answer.product, releases: answer.releases, receivedAt: Date.now() });
    return answer.releases;
  }, [found, lookUp]);

  return (
    <>
      <h2 className="section__title" id={headingId}>
        Look up a serial number
      </h2>
      <form className="form card card--padded serial-lookup" onSubmit={submit} noValidate aria-labelledby={headingId}>
        <p className="muted">
          A serial number from a license certificate lists the releases of its product — also before it is turned into a license.
        </p>
        <div className="serial-lookup__row">
          <TextField
            ref={input}
            id="download-serial"
            label="Serial number"
            value={serial}
            onValueChange={(value) => {
              setSerial(value);
              if (error) setError(null);
            }}
            error={error}
            autoComplete="off"
            spellCheck={false}
            autoCapitalize="characters"
            placeholder="e.g. M123-456-7890"
            className="serial-lookup__field"
          />
          <SubmitButton busy={busy} className="serial-lookup__submit">
            Show downloads
          </SubmitButton>
        </div>
        <FieldHelp topic="serialNumber" />
        {failure ? (
          <Alert tone="error">
            <p>{failure}</p>
          </Alert>
        ) : null}
      </form>
      {found ? (
        <div className="serial-lookup__result">
          <h3 className="section-title" ref={resultHeading} tabIndex={-1}>
            {found.product ? `${found.product.name} ${found.product.version}` : 'Releases'} · serial number {formatSerial(found.serialNumber)}
          </h3>
          {found.releases.length === 0 ? (
            <p className="empty-note">Nothing has been published for this product yet.</p>
          ) : (
            <ReleaseList releases={found.releases} receivedAt={found.receivedAt} refresh={refresh} level={4} />
          )}
        </div>
      ) : null}
    </>
  );
}
