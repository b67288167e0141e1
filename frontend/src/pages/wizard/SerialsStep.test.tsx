import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { keyRequest, serial } from '../../test/fixtures';
import { renderWithClient } from '../../test/mockClient';
import { SerialsStep } from './SerialsStep';

describe('<SerialsStep>', () => {
  it('shows rejected serials inline in input order and keeps what was typed', async () => {
    const user = userEvent.setup();
    const { calls } = renderWithClient(
      <SerialsStep keyRequest={keyRequest()} onUpdate={vi.fn()} onContinue={vi.fn()} onStay={vi.fn()} />,
      () => ({
        keyRequestEnterSerials: {
          __typename: 'SerialNumbersRejected',
          code: 'SERIALS_REJECTED',
          message: '2 serial numbers could not be added.',
          field: 'serialNumbers',
          problems: [
            { __typename: 'SerialProblem', serialNumber: 'CCC-3', code: 'VOID', message: 'This serial number was voided.' },
            { __typename: 'SerialProblem', serialNumber: 'AAA-1', code: 'CHECK_DIGIT', message: 'The check digit is wrong.' },
          ],
        },
      }),
    );

    const textarea = screen.getByLabelText('Serial numbers');
    await user.type(textarea, 'AAA-1, BBB-2{Enter}CCC-3');
    expect(screen.getByText('3 serial numbers entered')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Continue' })).toBeDisabled();

    await user.click(screen.getByRole('button', { name: 'Add serial numbers' }));

    expect(calls).toEqual([
      { operationName: 'KeyRequestEnterSerials', variables: { input: { keyRequestId: 'kr-1', serialNumbers: ['AAA-1', 'BBB-2', 'CCC-3'] } } },
    ]);
    const problems = within(await screen.findByRole('list', { name: 'Rejected serials' })).getAllByRole('listitem');
    expect(problems.map((li) => li.textContent)).toEqual(['AAA-1The check digit is wrong.', 'CCC-3This serial number was voided.']);
    expect(screen.getByText('2 serial numbers could not be added.')).toBeInTheDocument();
    expect(textarea).toHaveValue('AAA-1, BBB-2\nCCC-3');
    expect(textarea).toHaveAttribute('aria-invalid', 'true');
  });

  it('adds serials, clears the field and lists them with a Remove button each', async () => {
    const user = userEvent.setup();
    const onUpdate = vi.fn();
    const onStay = vi.fn();
    const updated = keyRequest({ step: 'REGISTRATION', serials: [serial('AAA-1')] });
    const { rerender } = renderWithClient(
      <SerialsStep keyRequest={keyRequest()} onUpdate={onUpdate} onContinue={vi.fn()} onStay={onStay} />,
      () => ({ keyRequestEnterSerials: { __typename: 'KeyRequestEnterSerialsSuccess', keyRequest: updated } }),
    );
    const textarea = screen.getByLabelText('Serial numbers');
    await user.type(textarea, 'AAA-1');
    await user.click(screen.getByRole('button', { name: 'Add serial numbers' }));
    expect(onUpdate).toHaveBeenCalledWith(updated);
    expect(onStay).toHaveBeenCalled();
    expect(textarea).toHaveValue('');

    rerender(<SerialsStep keyRequest={updated} onUpdate={onUpdate} onContinue={vi.fn()} onStay={onStay} />);
    const row = screen.getByRole('row', { name: /AAA-1/ });
    expect(row).toHaveTextContent('Studio 9.2');
    const remove = within(row).getByRole('button', { name: 'Remove' });
    expect(remove).toBeEnabled();
    expect(remove).toHaveAccessibleDescription('AAA-1');
    expect(screen.getAllByRole('cell', { name: 'AAA-1' })).toHaveLength(1);
    expect(screen.getByRole('button', { name: 'Continue' })).toBeEnabled();
  });

  it('answers "Where do I find my serial number?" next to the field', async () => {
    const user = userEvent.setup();
    renderWithClient(<SerialsStep keyRequest={keyRequest()} onUpdate={vi.fn()} onContinue={vi.fn()} onStay={vi.fn()} />, () => null);
    await user.click(screen.getByRole('button', { name: 'Where do I find my serial number?' }));
    expect(screen.getByRole('region', { name: 'Where do I find my serial number?' })).toHaveTextContent(/license certificate/);
  });
});
