import { useId } from 'react';
import { DebouncedInput } from '../../components/DebouncedInput';
import { ExpiringWithinField, FilterField } from '../../components/FilterField';
import { SelectField } from '../../components/SelectField';
import type { LicenseStatus } from '../../gql/graphql';
import type { CustomFieldLike } from '../../lib/customFields';
import { humanize } from '../../lib/format';
import { LICENSE_STATUSES, type LicenseListState } from '../../lib/licenseList';

interface LicenseFiltersProps {
  state: LicenseListState;
  onChange: (changes: Partial<LicenseListState>) => void;
  /** The account's custom fields; each gets a filter. Leave empty to offer none. */
  customFields: readonly CustomFieldLike[];
  /** The products the account holds licenses of: the product picker's choices. */
  products?: readonly { sku: string; name: string; version: string }[];
  /** Offer the product and "expiring within" filters (default true). */
  full?: boolean;
}

/** Search box, product, status chips, "expiring within N days" and one filter per custom field. */
export function LicenseFilters({ state, onChange, customFields, products = [], full = true }: LicenseFiltersProps) {
  const id = useId();
  // A product from a shared link that this account holds no license of still shows as chosen.
  const chosenUnknown = state.productSku !== '' && !products.some((p) => p.sku.toUpperCase() === state.productSku.toUpperCase());
  const active =
    state.search !== '' ||
    state.productSku !== '' ||
    state.statuses.length > 0 ||
    state.expiringWithinDays !== null ||
    Object.keys(state.customFields).length > 0;

  const toggleStatus = (status: LicenseStatus, on: boolean) =>
    onChange({
      statuses: on
        ? LICENSE_STATUSES.filter((s) => s === status || state.statuses.includes(s))
        : state.statuses.filter((s) => s !== status),
    });

  const setCustom = (fieldId: string, value: string) => {
    const next = { ...state.customFields };
    if (value.trim()) next[fieldId] = value;
    else delete next[fieldId];
    onChange({ customFields: next });
  };

  return (
    <form className="filters card" role="search" aria-label="Filter licenses" onSubmit={(event) => event.preventDefault()}>
      <div className="filters__row">
        <FilterField
          id={`${id}-search`}
          className="filters__search"
          label="Search"
          type="search"
          placeholder="Serial number, activation key, product…"
          autoComplete="off"
          spellCheck={false}
          value={state.search}
          onCommit={(search) => onChange({ search })}
        />
        {full ? (
          <>
            <SelectField
              id={`${id}-product`}
              label="Product"
              className="filters__product"
              value={products.find((p) => p.sku.toUpperCase() === state.productSku.toUpperCase())?.sku ?? state.productSku}
              onValueChange={(productSku) => onChange({ productSku })}
            >
              <option value="">All products</option>
              {products.map((product) => (
                <option key={product.sku} value={product.sku}>
                  {`${product.name} ${product.version} (${product.sku})`}
                </option>
              ))}
              {chosenUnknown ? <option value={state.productSku}>{state.productSku}</option> : null}
            </SelectField>
            <ExpiringWithinField
              id={`${id}-expiring`}
              className="filters__days"
              days={state.expiringWithinDays}
              onCommit={(expiringWithinDays) => onChange({ expiringWithinDays })}
            />
          </>
        ) : null}
      </div>

      <fieldset className="filters__statuses">
        <legend className="field__label">Status</legend>
        <div className="chips">
          {LICENSE_STATUSES.map((status) => {
            const on = state.statuses.includes(status);
            return (
              <label key={status} className={`chip${on ? ' chip--on' : ''}`}>
                <input type="checkbox" checked={on} onChange={(event) => toggleStatus(status, event.target.checked)} />
                {humanize(status)}
              </label>
            );
          })}
        </div>
      </fieldset>

      {customFields.length > 0 ? (
        <div className="filters__row filters__row--custom">
          {customFields.map((field) => {
            const inputId = `${id}-cf-${field.id}`;
            const value = state.customFields[field.id] ?? '';
            return (
              <div className="field" key={field.id}>
                <label className="field__label" htmlFor={inputId}>
                  {field.name}
                </label>
                {field.type === 'CHOICE' ? (
                  <select id={inputId} className="select" value={value} onChange={(event) => setCustom(field.id, event.target.value)}>
                    <option value="">Any</option>
                    {field.options.map((option) => (
                      <option key={option} value={option}>
                        {option}
                      </option>
                    ))}
                  </select>
                ) : (
                  <DebouncedInput
                    id={inputId}
                    className="input"
                    autoComplete="off"
                    placeholder={field.type === 'DATE' ? 'YYYY-MM-DD' : undefined}
                    inputMode={field.type === 'NUMBER' ? 'decimal' : undefined}
                    value={value}
                    onCommit={(next) => setCustom(field.id, next)}
                  />
                )}
              </div>
            );
          })}
        </div>
      ) : null}

      {active ? (
        <p className="filters__clear">
          <button
            type="button"
            className="button button--link button--small"
            onClick={() => onChange({ search: '', productSku: '', statuses: [], expiringWithinDays: null, customFields: {} })}
          >
            Clear filters
          </button>
        </p>
      ) : null}
    </form>
  );
}
