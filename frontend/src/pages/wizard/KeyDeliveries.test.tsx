import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router-dom';
import { Provider } from 'urql';
import { describe, expect, it } from 'vitest';
import { makeMockClient, type MockCall } from '../../test/mockClient';
import { DELIVERY_POLL_MS, KeyDeliveries } from './KeyDeliveries';

type Delivery = { recipient: string; status: string; error: string | null; sentAt: string | null };

const delivery = (overrides: Partial<Delivery>) => ({
  __typename: 'KeyDelivery',
  recipient: 'tina@acme.example',
  status: 'SENT',
  error: null,
  createdAt: '2025-03-01T10:02:00Z',
  sentAt: '2025-03-01T10:02:05Z',
  ...overrides,
});

function renderDeliveries(deliveries: () => unknown[], mutation: (call: MockCall) => unknown = () => null) {
  const calls: MockCall[] = [];
  const queries: MockCall[] = [];
  const client = makeMockClient(
    {
      query: (call) => {
        queries.push(call);
        return { __typename: 'Query', keyRequest: { __typename: 'KeyRequest', id: 'kr-1', deliveries: deliveries() } };
      },
      mutation,
    },
    calls,
  );
  render(
    <MemoryRouter>
      <Provider value={client}>
        <KeyDeliveries keyRequestId="kr-1" />
      </Provider>
    </MemoryRouter>,
  );
  return { calls, queries };
}

describe('<KeyDeliveries>', { timeout: 15000 }, () => {
  it('lists the mails, with the reason of a failed one, and sends the keys to another address', async () => {
    const user = userEvent.setup();
    const failed = delivery({ status: 'FAILED', error: 'Mailbox unavailable: 550 no such user', sentAt: null });
    const { calls } = renderDeliveries(
      () => [failed, delivery({ recipient: 'ops@acme.example' }), delivery({ recipient: 'paul@acme.example', status: 'HELD', sentAt: null })],
      (call) => {
        const input = call.variables['input'] as { email?: string };
        return input.email === 'nobody@invalid.example'
          ? {
              keyRequestResendKeys: {
                __typename: 'InvalidInput',
                code: 'INVALID_INPUT',
                message: 'Please check the form.',
                field: 'email',
                fieldErrors: [{ __typename: 'FieldError', field: 'email', code: 'INVALID', message: 'This is not an e-mail address.' }],
              },
            }
          : {
              keyRequestResendKeys: {
                __typename: 'KeyRequestResendKeysSuccess',
                keyRequest: { __typename: 'KeyRequest', id: 'kr-1', deliveries: [failed] },
                // with an address: a mail server sends it; without: none is configured, it is held
                delivery: input.email
                  ? delivery({ recipient: input.email, status: 'QUEUED', sentAt: null })
                  : delivery({ recipient: 'tess@acme.example', status: 'HELD', sentAt: null }),
              },
            };
      },
    );
    const items = await screen.findAllByTestId('delivery');
    expect(items[0]).toHaveTextContent('tina@acme.example');
    expect(items[0]).toHaveTextContent('Failed');
    expect(items[0]).toHaveTextContent('Mailbox unavailable: 550 no such user');
    expect(items[1]).toHaveTextContent('ops@acme.example');
    expect(items[1]).toHaveTextContent('Sent');
    expect(items[2]).toHaveTextContent('Held');
    expect(within(items[2]!).getByRole('link', { name: 'Messages' })).toHaveAttribute('href', '/messages');

    const email = screen.getByLabelText(/Send to another address/);
    await user.type(email, 'nobody@invalid.example');
    await user.click(screen.getByRole('button', { name: 'Send keys again' }));
    expect(await screen.findByText('This is not an e-mail address.')).toBeInTheDocument();
    expect(email).toHaveAccessibleDescription(/This is not an e-mail address\./);
    expect(email).toHaveFocus();

    await user.clear(email);
    await user.type(email, 'tina.tech@acme.example');
    await user.click(screen.getByRole('button', { name: 'Send keys again' }));
    expect(calls[1]).toEqual({ operationName: 'KeyRequestResendKeys', variables: { input: { keyRequestId: 'kr-1', email: 'tina.tech@acme.example' } } });
    expect(
      await screen.findByText('The e-mail to tina.tech@acme.example is queued and goes out within a minute; its status is listed above.'),
    ).toBeInTheDocument();

    // Without an address the keys go to the technical contact again.
    await user.click(screen.getByRole('button', { name: 'Send keys again' }));
    expect(calls[2]?.variables).toEqual({ input: { keyRequestId: 'kr-1' } });
    // a held mail is not "on its way": say where it is
    expect(
      await screen.findByText(
        (_, element) =>
          element?.tagName === 'P' &&
          element.textContent ===
            'No mail server is set up for this portal, so the e-mail to tess@acme.example is held, not sent. Read the keys on the Messages page.',
      ),
    ).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Messages page' })).toHaveAttribute('href', '/messages');
    expect(screen.queryByText(/on their way/)).not.toBeInTheDocument();
  });

  it('checks the address before sending and explains a rate limit', async () => {
    const user = userEvent.setup();
    renderDeliveries(
      () => [delivery({})],
      () => ({
        keyRequestResendKeys: {
          __typename: 'RateLimited',
          code: 'RATE_LIMITED',
          message: 'The keys were sent a moment ago.',
          field: null,
          retryAfterSeconds: 90,
        },
      }),
    );
    const email = await screen.findByLabelText(/Send to another address/);
    await user.type(email, 'not-an-address');
    await user.click(screen.getByRole('button', { name: 'Send keys again' }));
    expect(email).toHaveAccessibleDescription(/Enter an e-mail address/);
    await user.clear(email);
    await user.click(screen.getByRole('button', { name: 'Send keys again' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('The keys were sent a moment ago. Try again in 1 minute 30 seconds.');
  });

  it('reads the list again while a mail is queued', async () => {
    let round = 0;
    const { queries } = renderDeliveries(() => {
      round += 1;
      return [delivery(round === 1 ? { status: 'QUEUED', sentAt: null } : {})];
    });
    expect(await screen.findByText('Queued')).toBeInTheDocument();
    await waitFor(() => expect(screen.getByText('Sent')).toBeInTheDocument(), { timeout: DELIVERY_POLL_MS + 3000 });
    expect(queries.length).toBeGreaterThanOrEqual(2);
    expect(queries.every((q) => q.operationName === 'KeyRequestDeliveries' && q.variables['id'] === 'kr-1')).toBe(true);
  });
});
