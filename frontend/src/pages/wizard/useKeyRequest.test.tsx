import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { cacheExchange, Client, makeResult, type Exchange, type Operation } from '@urql/core';
import { Provider, useMutation } from 'urql';
import { describe, expect, it } from 'vitest';
import { delay, filter, fromValue, makeSubject, map, mergeMap, pipe, type Subject } from 'wonka';
import { keyRequest, serial } from '../../test/fixtures';
import { KeyRequestConfirmMutation, KeyRequestQuery, KeyRequestUpdatedSubscription } from './documents';
import { useKeyRequest } from './useKeyRequest';

const draft = keyRequest({ step: 'CONFIRM', serials: [serial('M100')] });

const progress = {
  __typename: 'KeyRequest' as const,
  id: draft.id,
  kind: draft.kind,
  failureReason: null,
  expiresAt: draft.expiresAt,
  step: 'KEYS' as const,
  keys: [],
};

const submitted = { ...progress, status: 'SUBMITTED' as const, updatedAt: '2025-03-01T10:05:00Z', submittedAt: '2025-03-01T10:05:00Z', readyAt: null };

const ready = {
  ...submitted,
  status: 'READY' as const,
  updatedAt: '2025-03-01T10:05:01Z',
  readyAt: '2025-03-01T10:05:01Z',
  keys: [
    {
      __typename: 'LicenseKey' as const,
      id: 'key-1',
      activationKey: 'K7Q2-9XLM-4RT8',
      licenseFile: 'eyJhbGciOiJFZERTQSJ9.payload.sig',
      hostId: null,
      kid: 'k1',
      status: 'ACTIVE' as const,
      issuedAt: '2025-03-01T10:05:01Z',
      license: {
        __typename: 'License' as const,
        id: 'lic-1',
        quantity: 5,
        maintenanceUntil: '2026-03-01',
        status: 'ACTIVE' as const,
        hostId: null,
        product: { __typename: 'Product' as const, id: 'p', sku: 'S', name: 'Studio', version: '9.2' },
      },
    },
  ],
};

/**
 * A client with urql's real document cache in front of a server stand-in that
 * counts the operations it receives; frames are pushed through `frames`.
 */
function portalClient(frames: Subject<unknown>) {
  const received: string[] = [];
  const server: Exchange = () => (operations$) =>
    pipe(
      operations$,
      filter((operation) => operation.kind !== 'teardown'),
      mergeMap((operation: Operation) => {
        const name = operation.query.definitions.find((d) => d.kind === 'OperationDefinition')?.name?.value ?? '';
        received.push(name);
        if (operation.kind === 'subscription') {
          return pipe(
            frames.source,
            map((frame) => makeResult(operation, { data: { keyRequestUpdated: frame } })),
          );
        }
        const data =
          name === 'KeyRequest'
            ? { keyRequest: draft }
            : { keyRequestConfirm: { __typename: 'KeyRequestConfirmSuccess', keyRequest: submitted } };
        // Answered a moment later, as over the network.
        return pipe(fromValue(makeResult(operation, { data })), delay(1));
      }),
    );
  const client = new Client({ url: '/graphql', exchanges: [cacheExchange, server] });
  return { client, received };
}

function Wizard() {
  const state = useKeyRequest({ id: draft.id, query: KeyRequestQuery, subscription: KeyRequestUpdatedSubscription });
  const [, confirm] = useMutation(KeyRequestConfirmMutation);
  const current = state.current;
  if (!current) return <p>Loading</p>;
  const onConfirm = async () => {
    const result = await confirm({ input: { keyRequestId: current.id, idempotencyKey: 'once' } });
    const outcome = result.data?.keyRequestConfirm;
    if (outcome?.__typename === 'KeyRequestConfirmSuccess') state.update(outcome.keyRequest);
  };
  return (
    <div>
      <p data-testid="status">{current.status}</p>
      <p data-testid="serials">{current.serials.map((s) => s.number).join(',')}</p>
      <p data-testid="keys">{current.keys.map((k) => k.activationKey).join(',')}</p>
      <button type="button" onClick={() => void onConfirm()}>
        Confirm
      </button>
    </div>
  );
}

describe('useKeyRequest', () => {
  it('merges the confirm answer and the frames into the loaded request without loading it again', async () => {
    const frames = makeSubject<unknown>();
    const { client, received } = portalClient(frames);
    render(
      <Provider value={client}>
        <Wizard />
      </Provider>,
    );
    const confirmButton = await screen.findByRole('button', { name: 'Confirm' });
    const loads = () => received.filter((name) => name === 'KeyRequest').length;
    const loadsBefore = loads();
    await userEvent.click(confirmButton);

    expect(await screen.findByText('SUBMITTED')).toBeInTheDocument();
    expect(screen.getByTestId('serials')).toHaveTextContent('M100');
    await waitFor(() => expect(received).toContain('KeyRequestUpdated'));

    frames.next(ready);
    expect(await screen.findByText('READY')).toBeInTheDocument();
    expect(screen.getByTestId('keys')).toHaveTextContent('K7Q2-9XLM-4RT8');
    expect(screen.getByTestId('serials')).toHaveTextContent('M100');
    // The confirm answer carried the request: urql's document cache must not fetch it again.
    expect(loads()).toBe(loadsBefore);
  });

});
