import { useEffect, useId, useState, type KeyboardEvent } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { useQuery } from 'urql';
import { humanize } from '../lib/format';
import { ManagedAccountSearchQuery } from '../pages/partner/documents';
import { useSession, type ManagedAccountChoice } from '../session';
import { Dialog } from './Dialog';
import { Spinner } from './Spinner';

/** Pages that work on whichever account is current: they stay open when the account changes; others go home. */
const ACCOUNT_PAGES = [
  '/',
  '/licenses',
  '/licenses/shared',
  '/account/members',
  '/account/custom-fields',
  '/account/partners',
  '/messages',
  '/notifications',
  '/help',
  '/vouchers',
  '/partner',
  '/partner/delegations',
  '/partner/held-serials',
];

/** Switches the current account and leaves pages that belonged to the previous one (a key request, a license). */
export function useSwitchAccount() {
  const { selectAccount } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  return (accountId: string, managed?: ManagedAccountChoice) => {
    selectAccount(accountId, managed);
    if (!ACCOUNT_PAGES.includes(location.pathname)) navigate('/');
  };
}

/**
 * The header's "Acting for" control of partner users: shows the customer account
 * they act for, a way back to their own account, and a dialog to pick a customer.
 */
export function CustomerSwitcher() {
  const { actingFor, ownMembership } = useSession();
  const switchAccount = useSwitchAccount();
  const [open, setOpen] = useState(false);

  return (
    <div className="acting-for">
      {actingFor ? (
        <>
          <span className="acting-for__label" data-testid="acting-for">
            Acting for: <strong>{actingFor.account.name}</strong>
          </span>
          <button type="button" className="button button--ghost button--small" onClick={() => setOpen(true)}>
            Switch customer
          </button>
          {ownMembership ? (
            <button type="button" className="button button--link button--small acting-for__back" onClick={() => switchAccount(ownMembership.account.id)}>
              Back to {ownMembership.account.name}
            </button>
          ) : null}
        </>
      ) : (
        <button type="button" className="button button--ghost button--small" onClick={() => setOpen(true)}>
          Act for a customer
        </button>
      )}
      {open ? (
        <CustomerPicker
          onClose={() => setOpen(false)}
          onPick={(choice) => {
            setOpen(false);
            switchAccount(choice.account.id, choice);
          }}
        />
      ) : null}
    </div>
  );
}

/** Waits `delay` ms after the last change before passing `value` on. */
function useDebounced(value: string, delay = 250): string {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setDebounced(value), delay);
    return () => window.clearTimeout(timer);
  }, [value, delay]);
  return debounced;
}

interface CustomerPickerProps {
  onClose: () => void;
  onPick: (choice: ManagedAccountChoice) => void;
}

/** A dialog with a typeahead over the managed customer accounts (searched by name on the server). */
export function CustomerPicker({ onClose, onPick }: CustomerPickerProps) {
  const { actingFor } = useSession();
  const id = useId();
  const inputId = `${id}-input`;
  const listId = `${id}-list`;
  const [text, setText] = useState('');
  const name = useDebounced(text.trim());
  const [result] = useQuery({ query: ManagedAccountSearchQuery, variables: { name: name || null }, requestPolicy: 'cache-and-network' });
  const connection = result.data?.managedAccounts ?? null;
  const edges = connection?.edges ?? [];
  const [active, setActive] = useState(0);
  useEffect(() => setActive(0), [name]);
  const activeIndex = Math.min(active, Math.max(0, edges.length - 1));

  const pick = (index: number) => {
    const edge = edges[index];
    if (!edge) return;
    const { id: accountId, name: accountName, number, kind } = edge.node;
    onPick({ account: { id: accountId, name: accountName, number, kind }, scope: edge.scope, partnerAccountId: edge.delegation.partnerAccount.id });
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      setActive(Math.min(activeIndex + 1, edges.length - 1));
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      setActive(Math.max(activeIndex - 1, 0));
    } else if (event.key === 'Home' && edges.length) {
      event.preventDefault();
      setActive(0);
    } else if (event.key === 'End' && edges.length) {
      event.preventDefault();
      setActive(edges.length - 1);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      pick(activeIndex);
    }
  };

  const optionId = (index: number) => `${id}-option-${index}`;
  const stale = result.fetching || name !== text.trim();

  return (
    <Dialog
      title="Act for a customer"
      onClose={onClose}
      description="Every page then works on the customer’s account: its licenses, Get a Key, Version Upgrade and re-hosts."
    >
      <div className="customer-picker">
        <div className="field">
          <label className="field__label" htmlFor={inputId}>
            Customer name
          </label>
          <input
            id={inputId}
            className="input"
            type="text"
            role="combobox"
            autoComplete="off"
            spellCheck={false}
            aria-autocomplete="list"
            aria-expanded={edges.length > 0}
            aria-controls={listId}
            aria-activedescendant={edges.length ? optionId(activeIndex) : undefined}
            aria-describedby={`${id}-hint`}
            value={text}
            onChange={(event) => setText(event.target.value)}
            onKeyDown={onKeyDown}
          />
          <p className="field__hint" id={`${id}-hint`}>
            Type part of the name, then choose with the arrow keys and Enter.
          </p>
        </div>
        {result.error && !connection ? (
          <p className="field__error">The customers could not be loaded. Close the dialog and try again.</p>
        ) : !connection ? (
          <Spinner label="Loading customers…" size="small" />
        ) : null}
        <ul id={listId} role="listbox" aria-label="Customers" className={`customer-picker__list${stale ? ' is-stale' : ''}`}>
          {edges.map((edge, index) => (
            <li
              key={edge.node.id}
              id={optionId(index)}
              role="option"
              aria-selected={index === activeIndex}
              className={`customer-picker__option${index === activeIndex ? ' customer-picker__option--active' : ''}`}
              onMouseMove={() => setActive(index)}
              onClick={() => pick(index)}
            >
              <span className="customer-picker__name">{edge.node.name}</span>
              <span className="muted small">
                {edge.node.number} · {humanize(edge.scope)}
                {actingFor?.account.id === edge.node.id ? ' · current' : ''}
              </span>
            </li>
          ))}
        </ul>
        <p className="muted small" aria-live="polite">
          {connection
            ? connection.totalCount === 0
              ? name
                ? `No customer matches “${name}”.`
                : 'Your partner accounts manage no customer accounts yet.'
              : connection.totalCount > edges.length
                ? `Showing ${edges.length} of ${connection.totalCount} customers; type to narrow the list.`
                : `${connection.totalCount} customer${connection.totalCount === 1 ? '' : 's'}`
            : ''}
        </p>
      </div>
    </Dialog>
  );
}
