import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { keyRequest, serial } from '../../test/fixtures';
import { renderWithClient } from '../../test/mockClient';
import { RegistrationStep } from './RegistrationStep';

const suggested = {
  __typename: 'SupportRegistration' as const,
  company: 'Acme GmbH',
  address: { __typename: 'Address' as const, line1: 'Hauptstr. 1', line2: null, city: 'Berlin', postalCode: '10115', country: 'DE' },
  technicalContact: { __typename: 'Contact' as const, name: 'Tina Tech', email: 'tina@acme.example', phone: null },
  primaryContact: { __typename: 'Contact' as const, name: 'Paul Prime', email: 'paul@acme.example', phone: null },
};

describe('<RegistrationStep>', () => {
  it('prefills, maps field errors to fields, focuses the first and keeps the values', async () => {
    const user = userEvent.setup();
    const { calls } = renderWithClient(
      <RegistrationStep
        keyRequest={keyRequest({ step: 'REGISTRATION', serials: [serial('AAA-1')], requiresHostId: true, suggestedRegistration: suggested })}
        onUpdate={vi.fn()}
        onBack={vi.fn()}
        onSaved={vi.fn()}
        draft={null}
        onDraftChange={vi.fn()}
      />,
      () => ({
        keyRequestSetRegistration: {
          __typename: 'InvalidInput',
          code: 'INVALID_INPUT',
          message: 'Please check the form.',
          field: 'technicalContact.email',
          fieldErrors: [
            { __typename: 'FieldError', field: 'hostId', code: 'REQUIRED', message: 'Enter the host ID.' },
            { __typename: 'FieldError', field: 'technicalContact.email', code: 'INVALID', message: 'Enter a valid email address.' },
          ],
        },
      }),
    );

    expect(screen.getByLabelText('Company')).toHaveValue('Acme GmbH');
    expect(screen.getByRole('button', { name: 'Where do I find the host ID?' })).toHaveAttribute('aria-expanded', 'false');
    expect(screen.getByLabelText('Country')).toHaveValue('DE');
    expect(screen.getByLabelText('Primary contact name')).toHaveValue('Paul Prime');
    const email = screen.getByLabelText('Technical contact email');
    await user.clear(email);
    await user.type(email, 'not-an-email');
    await user.click(screen.getByRole('button', { name: 'Continue' }));

    const input = calls[0]?.variables['input'] as { registration: { technicalContact: { email: string } }; hostId: string | null };
    expect(input.registration.technicalContact.email).toBe('not-an-email');
    expect(email).toHaveAttribute('aria-invalid', 'true');
    expect(email).toHaveAccessibleDescription('Enter a valid email address.');
    expect(email).toHaveFocus();
    expect(email).toHaveValue('not-an-email');
    const hostId = screen.getByLabelText('Host ID');
    expect(hostId).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByText('Enter the host ID.')).toBeInTheDocument();
  });

  it('copies the technical contact when "Same as technical contact" is ticked', async () => {
    const user = userEvent.setup();
    renderWithClient(
      <RegistrationStep
        keyRequest={keyRequest({ step: 'REGISTRATION', serials: [serial('AAA-1')], suggestedRegistration: suggested })}
        onUpdate={vi.fn()}
        onBack={vi.fn()}
        onSaved={vi.fn()}
        draft={null}
        onDraftChange={vi.fn()}
      />,
      () => null,
    );
    expect(screen.queryByLabelText('Host ID')).not.toBeInTheDocument();
    await user.click(screen.getByLabelText('Same as technical contact'));
    expect(screen.getByLabelText('Primary contact email')).toHaveValue('tina@acme.example');
    expect(screen.getByLabelText('Primary contact email')).toBeDisabled();
  });
});

function renderPrefilled(byYou: boolean) {
  renderWithClient(
    <RegistrationStep
      keyRequest={keyRequest({
        step: 'REGISTRATION',
        serials: [serial('AAA-1')],
        suggestedRegistration: suggested,
        suggestedRegistrationSource: {
          __typename: 'RegistrationSource',
          byYou,
          enteredAt: '2026-11-02T10:00:00Z',
          enteredBy: { __typename: 'User', id: 'VXNlcjox', name: 'Alice Admin' },
        },
      })}
      onUpdate={vi.fn()}
      onBack={vi.fn()}
      onSaved={vi.fn()}
      draft={null}
      onDraftChange={vi.fn()}
    />,
    () => null,
  );
}

describe('RegistrationStep prefill', () => {
  it('says whose details it filled in when another user entered them', () => {
    renderPrefilled(false);
    expect(screen.getByText(/We filled in the details Alice Admin entered on/)).toBeInTheDocument();
  });

  it('says they are your own when you entered them', () => {
    renderPrefilled(true);
    expect(screen.getByText(/We filled in the details you entered on/)).toBeInTheDocument();
  });
});
