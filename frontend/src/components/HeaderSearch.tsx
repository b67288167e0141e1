import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { useNavigate } from 'react-router-dom';
import { useQuery } from 'urql';
import { graphql } from '../gql';
import type { HeaderSearchQuery, SearchHitKind } from '../gql/graphql';
import { flowFor } from '../lib/steps';
import { useSession } from '../session';
import { DebouncedInput } from './DebouncedInput';

export const HeaderSearchDocument = graphql(`
  query HeaderSearch($query: String!, $first: Int!) {
    search(query: $query, first: $first) {
      kind
      title
      detail
      license {
        id
      }
      keyRequest {
        id
        kind
        status
      }
      account {
        id
        name
        number
        kind
        viewerRole
      }
    }
  }
`);

export type SearchHit = HeaderSearchQuery['search'][number];

/** The server answers nothing below this many characters. */
export const MIN_QUERY = 2;
const HITS_PER_KIND = 5;

/** The groups of the result list, in this order. */
export const SEARCH_GROUPS: readonly { kind: SearchHitKind; label: string }[] = [
  { kind: 'SERIAL', label: 'Serial numbers' },
  { kind: 'ACTIVATION_KEY', label: 'Activation keys' },
  { kind: 'LICENSE', label: 'Licenses' },
  { kind: 'KEY_REQUEST', label: 'Key requests' },
  { kind: 'ACCOUNT', label: 'Accounts' },
];

/** Where a hit opens: a license's page, a key request's wizard (a voucher conversion: the Voucher Center); an account: its licenses. */
export function hitPath(hit: SearchHit): string | null {
  if (hit.license) return `/licenses/${encodeURIComponent(hit.license.id)}`;
  if (hit.keyRequest) return flowFor(hit.keyRequest.kind).path(hit.keyRequest.id);
  if (hit.account) return '/licenses';
  return null;
}

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/**
 * "Find anything": one search box over licenses, serial numbers, activation keys, key requests
 * and (for partners) customer accounts — the ARIA 1.2 combobox pattern with a grouped listbox.
 * "/" or Ctrl+K focuses it; on narrow screens it is a button that opens a full-width field.
 */
export function HeaderSearch() {
  const id = useId();
  const listId = `${id}-list`;
  const fieldRef = useRef<HTMLDivElement>(null);
  const toggleRef = useRef<HTMLButtonElement>(null);
  const input = () => fieldRef.current?.querySelector('input') ?? null;
  const navigate = useNavigate();
  const { user, membership, selectAccount } = useSession();
  const [term, setTerm] = useState('');
  const [focused, setFocused] = useState(false);
  const [dismissed, setDismissed] = useState(false);
  const [expanded, setExpanded] = useState(false);
  const [active, setActive] = useState(0);
  const query = term.trim();
  const [result] = useQuery({
    query: HeaderSearchDocument,
    variables: { query, first: HITS_PER_KIND },
    pause: query.length < MIN_QUERY,
    requestPolicy: 'cache-and-network',
  });

  const hits = useMemo(() => (query.length < MIN_QUERY ? [] : (result.data?.search ?? [])), [query, result.data]);
  // The hits in the order they are shown (grouped), so the arrow keys follow the screen.
  const groups = useMemo(
    () => SEARCH_GROUPS.map((group) => ({ ...group, hits: hits.filter((hit) => hit.kind === group.kind) })).filter((group) => group.hits.length),
    [hits],
  );
  const ordered = useMemo(() => groups.flatMap((group) => group.hits), [groups]);
  useEffect(() => setActive(0), [result.data]);
  // Enter before the results arrived (a serial number typed or pasted, then Enter): open the first one when they do.
  const [pendingEnter, setPendingEnter] = useState<string | null>(null);
  const answered = !result.fetching && result.operation?.variables.query === query ? result.data : undefined;

  useEffect(() => {
    const onKey = (event: globalThis.KeyboardEvent) => {
      const ctrlK = (event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'k';
      const slash = event.key === '/' && !event.ctrlKey && !event.metaKey && !event.altKey && !isTyping(event.target);
      if (!ctrlK && !slash) return;
      event.preventDefault();
      setExpanded(true);
      window.setTimeout(() => {
        input()?.focus();
        input()?.select();
      }, 0);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const searching = query.length >= MIN_QUERY;
  const open = focused && !dismissed && searching && (result.data !== undefined || result.error !== undefined);
  const activeIndex = Math.min(active, Math.max(0, ordered.length - 1));
  const optionId = (index: number) => `${id}-option-${index}`;

  useEffect(() => {
    if (pendingEnter === null || pendingEnter !== query || !answered) return;
    setPendingEnter(null);
    const first = SEARCH_GROUPS.flatMap((group) => answered.search.filter((hit) => hit.kind === group.kind))[0];
    if (first) choose(first);
    // choose() is read fresh on every render; the answer is what this waits for.
  }, [pendingEnter, query, answered]);

  const finish = () => {
    setTerm('');
    setDismissed(false);
    setExpanded(false);
    input()?.blur();
  };

  const choose = (hit: SearchHit | undefined) => {
    if (!hit) return;
    const path = hitPath(hit);
    if (!path) return;
    if (hit.kind === 'ACCOUNT' && hit.account && hit.account.id !== membership?.account.id) {
      const account = hit.account;
      const own = user?.memberships.some((m) => m.account.id === account.id);
      if (own) selectAccount(account.id);
      else {
        const { id: accountId, name, number, kind, viewerRole } = account;
        selectAccount(accountId, {
          account: { id: accountId, name, number, kind },
          scope: viewerRole === 'VIEWER' ? 'VIEW' : 'MANAGE',
          role: viewerRole ?? null,
        });
      }
    }
    finish();
    navigate(path);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      if (!open) setDismissed(false);
      else setActive(activeIndex >= ordered.length - 1 ? 0 : activeIndex + 1);
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      if (!open) setDismissed(false);
      else setActive(activeIndex <= 0 ? Math.max(0, ordered.length - 1) : activeIndex - 1);
    } else if (event.key === 'Enter') {
      // DebouncedInput has already sent the term at once.
      const typed = event.currentTarget.value.trim();
      if (open && typed === query && !result.fetching) choose(ordered[activeIndex]);
      else if (typed.length >= MIN_QUERY) setPendingEnter(typed);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      if (open) setDismissed(true);
      else if (term) setTerm('');
      else {
        input()?.blur();
        if (expanded) {
          // On a phone the field closes back into its button, which takes the focus.
          setExpanded(false);
          window.setTimeout(() => toggleRef.current?.focus(), 0);
        }
      }
    }
  };

  const status = !searching
    ? ''
    : result.error && !result.data
      ? 'The search failed. Try again.'
      : result.data === undefined
        ? ''
        : ordered.length === 0
          ? `Nothing matches “${query}”.`
          : `${ordered.length} result${ordered.length === 1 ? '' : 's'}; use the arrow keys and Enter to open one.`;

  let index = -1;
  return (
    <div className={`header-search${expanded ? ' header-search--expanded' : ''}`} role="search">
      <button
        ref={toggleRef}
        type="button"
        className="header-search__toggle"
        aria-label="Search"
        aria-expanded={expanded}
        onClick={() => {
          setExpanded(true);
          window.setTimeout(() => input()?.focus(), 0);
        }}
      >
        <SearchIcon />
      </button>
      <div className="header-search__field" ref={fieldRef}>
        <SearchIcon />
        {/* Described, not labelled, so the field's name never collides with a page's own "Serial numbers". */}
        <span id={`${listId}-what`} className="visually-hidden">
          Finds licenses, serial numbers, activation keys, key requests and accounts.
        </span>
        <DebouncedInput
          className="header-search__input"
          type="search"
          role="combobox"
          aria-label="Search the portal"
          aria-describedby={`${listId}-what`}
          aria-autocomplete="list"
          aria-expanded={open}
          aria-controls={listId}
          aria-activedescendant={open && ordered.length ? optionId(activeIndex) : undefined}
          aria-keyshortcuts="/ Control+K"
          autoComplete="off"
          spellCheck={false}
          placeholder="Search licenses, keys…"
          value={term}
          delay={250}
          onCommit={(value) => {
            setTerm(value);
            setDismissed(false);
            setPendingEnter(null);
          }}
          onFocus={() => setFocused(true)}
          onBlur={(event) => {
            if (event.relatedTarget instanceof Node && event.currentTarget.closest('.header-search')?.contains(event.relatedTarget)) return;
            setFocused(false);
            setExpanded(false);
          }}
          onKeyDown={onKeyDown}
        />
        <kbd className="header-search__hint" aria-hidden="true">
          /
        </kbd>
      </div>
      <div id={listId} role="listbox" aria-label="Search results" className="header-search__popup" hidden={!open}>
        {open
          ? groups.map((group) => (
              <div role="group" aria-labelledby={`${id}-${group.kind}`} key={group.kind} className="header-search__group">
                <div role="presentation" id={`${id}-${group.kind}`} className="header-search__group-label">
                  {group.label}
                </div>
                {group.hits.map((hit) => {
                  index += 1;
                  const mine = index;
                  return (
                    <div
                      key={`${hit.kind}-${hit.license?.id ?? hit.keyRequest?.id ?? hit.account?.id ?? mine}`}
                      id={optionId(mine)}
                      role="option"
                      aria-selected={mine === activeIndex}
                      className={`header-search__option${mine === activeIndex ? ' header-search__option--active' : ''}`}
                      onMouseMove={() => setActive(mine)}
                      onMouseDown={(event) => event.preventDefault()}
                      onClick={() => choose(hit)}
                    >
                      <span className="header-search__title">{hit.title}</span>
                      <span className="header-search__detail">{hit.detail}</span>
                    </div>
                  );
                })}
              </div>
            ))
          : null}
        {open && ordered.length === 0 ? <div className="header-search__empty">{status}</div> : null}
      </div>
      <span className="visually-hidden" aria-live="polite">
        {focused ? status : ''}
      </span>
    </div>
  );
}

function SearchIcon() {
  return (
    <svg className="header-search__icon" width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" aria-hidden="true" focusable="false">
      <circle cx="11" cy="11" r="6.5" />
      <path d="m16 16 4.5 4.5" />
    </svg>
  );
}
