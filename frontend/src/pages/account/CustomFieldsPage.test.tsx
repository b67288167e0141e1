import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route } from 'react-router-dom';
import { describe, expect, it } from 'vitest';
import { customField, customFieldSettings } from '../../test/fixtures';
import type { MockCall } from '../../test/mockClient';
import { renderPage, type TestRole } from '../../test/renderPage';
import { CustomFieldsPage } from './CustomFieldsPage';

const fields = [customField(), customField({ id: 'cf-region', name: 'Region', type: 'CHOICE', options: ['EMEA', 'APAC'], required: true, position: 2 })];

function renderFields(mutation: (call: MockCall) => unknown = () => null, role: TestRole = 'ADMIN') {
  return renderPage({
    path: '/account/custom-fields',
    role,
    routes: <Route path="/account/custom-fields" element={<CustomFieldsPage />} />,
    query: (call) => (call.operationName === 'CustomFieldSettings' ? customFieldSettings(fields, role) : undefined),
    mutation,
  });
}

// These tests type into several fields; allow for a busy machine.
describe('<CustomFieldsPage>', { timeout: 15000 }, () => {
  it('lists the fields with type, required and options', async () => {
    renderFields();
    const table = await screen.findByRole('table', { name: /Custom fields/ });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows[0]).toHaveTextContent(/Cost center\s*Number\s*No/);
    expect(rows[1]).toHaveTextContent(/Region\s*Choice\s*Yes\s*EMEA, APAC/);
    expect(screen.getByRole('button', { name: 'Move Cost center up' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Move Region down' })).toBeDisabled();
  });

  it('validates the new field before sending and shows server errors at the field', async () => {
    const user = userEvent.setup();
    const { calls } = renderFields(() => ({
      customFieldCreate: {
        __typename: 'InvalidInput',
        code: 'INVALID_INPUT',
        message: 'Please check the form.',
        field: 'name',
        fieldErrors: [{ __typename: 'FieldError', field: 'input.name', code: 'TOO_LONG', message: 'The name is too long.' }],
      },
    }));
    const form = await screen.findByRole('form', { name: 'New custom field' });
    const name = within(form).getByLabelText('Name');
    await user.click(within(form).getByRole('button', { name: 'Create field' }));
    expect(name).toHaveAccessibleDescription('Enter a name for the field.');
    expect(name).toHaveFocus();

    await user.type(name, 'region');
    await user.click(within(form).getByRole('button', { name: 'Create field' }));
    expect(name).toHaveAccessibleDescription('A field named "region" already exists.');

    await user.clear(name);
    await user.type(name, 'Renewal owner');
    await user.selectOptions(within(form).getByLabelText('Type'), 'CHOICE');
    await user.click(within(form).getByRole('button', { name: 'Create field' }));
    expect(within(form).getByText('A choice field needs at least one option.')).toBeInTheDocument();
    await user.type(within(form).getByLabelText('Option 1'), 'Sales');
    await user.click(within(form).getByRole('button', { name: 'Add option' }));
    expect(within(form).getByLabelText('Option 2')).toHaveFocus();
    await user.type(within(form).getByLabelText('Option 2'), 'sales');
    await user.click(within(form).getByRole('button', { name: 'Create field' }));
    expect(within(form).getByText('The option "sales" is listed twice.')).toBeInTheDocument();
    expect(calls).toHaveLength(0);

    await user.clear(within(form).getByLabelText('Option 2'));
    await user.type(within(form).getByLabelText('Option 2'), 'IT');
    await user.click(within(form).getByLabelText('Required'));
    await user.click(within(form).getByRole('button', { name: 'Create field' }));
    expect(calls[0]).toEqual({
      operationName: 'CustomFieldCreate',
      variables: { input: { accountId: 'acc-1', name: 'Renewal owner', type: 'CHOICE', options: ['Sales', 'IT'], required: true } },
    });
    expect(await within(form).findByText('The name is too long.')).toBeInTheDocument();
  });

  it('renames, reorders and deletes after confirmation', async () => {
    const user = userEvent.setup();
    const { calls } = renderFields((call) =>
      call.operationName === 'CustomFieldDelete'
        ? { customFieldDelete: { __typename: 'CustomFieldDeleteSuccess', deletedId: 'cf-cost' } }
        : { customFieldUpdate: { __typename: 'CustomFieldUpdateSuccess', customField: { ...fields[1]!, name: 'Sales region' } } },
    );
    await user.click(await screen.findByRole('button', { name: 'Edit Region' }));
    const form = screen.getByRole('form', { name: 'Edit Region' });
    expect(within(form).getByLabelText('Type')).toBeDisabled();
    const name = within(form).getByLabelText('Name');
    await user.clear(name);
    await user.type(name, 'Sales region');
    await user.click(within(form).getByRole('button', { name: 'Save changes' }));
    expect(calls[0]?.variables).toEqual({ input: { customFieldId: 'cf-region', name: 'Sales region', required: true, options: ['EMEA', 'APAC'] } });
    expect(await screen.findByText('The field Sales region was saved.')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Move Region up' }));
    expect(calls[1]?.variables).toEqual({ input: { customFieldId: 'cf-region', position: 1 } });

    await user.click(screen.getByRole('button', { name: 'Delete Cost center' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete Cost center?' });
    await user.click(within(dialog).getByRole('button', { name: 'Delete field' }));
    expect(calls[2]).toEqual({ operationName: 'CustomFieldDelete', variables: { input: { customFieldId: 'cf-cost' } } });
    expect(await screen.findByText('The field Cost center was deleted.')).toBeInTheDocument();
  });

  it('is read-only for non-admins', async () => {
    renderFields(undefined, 'MEMBER');
    expect(await screen.findByText('Only administrators of this account can add or change custom fields.')).toBeInTheDocument();
    expect(screen.queryByRole('form', { name: 'New custom field' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Edit Region' })).not.toBeInTheDocument();
  });
});
