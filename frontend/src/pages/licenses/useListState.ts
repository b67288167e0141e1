import { useCallback, useMemo, useRef } from 'react';
import { useLocation, useSearchParams } from 'react-router-dom';
import { listStateToParams, parseListState, withFirstPage, type LicenseListState } from '../../lib/licenseList';

/** Cursors of the pages before the current one, kept in the history entry so Back/Reload keep "Previous" working. */
function readCursors(state: unknown): (string | null)[] {
  if (state && typeof state === 'object' && 'cursors' in state && Array.isArray(state.cursors)) {
    return state.cursors.filter((c: unknown): c is string | null => c === null || typeof c === 'string');
  }
  return [];
}

/**
 * The licenses table's filters, order and page, read from and written to the
 * query string. Filter and order changes replace the history entry and go
 * back to the first page; Next/Previous add entries.
 */
export function useLicenseListState() {
  const [params, setParams] = useSearchParams();
  const location = useLocation();
  const state = useMemo(() => parseListState(params), [params]);
  const cursors = readCursors(location.state);

  // The state last written: navigations render in a transition, so two quick changes (Enter in
  // the search box, then a status checkbox) must build on each other, not on the last render.
  const latest = useRef(state);
  const rendered = useRef(state);
  if (rendered.current !== state) {
    rendered.current = state;
    latest.current = state;
  }

  const write = useCallback(
    (next: LicenseListState, push: boolean, nextCursors: (string | null)[]) => {
      latest.current = next;
      setParams(listStateToParams(next), { replace: !push, state: { cursors: nextCursors } });
    },
    [setParams],
  );

  const change = useCallback(
    (changes: Partial<LicenseListState>) => write(withFirstPage(latest.current, changes), false, []),
    [write],
  );

  const next = useCallback(
    (endCursor: string) => write({ ...state, after: endCursor, page: state.page + 1 }, true, [...cursors, state.after]),
    [state, cursors, write],
  );

  const previous = useCallback(() => {
    if (cursors.length > 0) {
      const after = cursors[cursors.length - 1] ?? null;
      write({ ...state, after, page: after ? Math.max(1, state.page - 1) : 1 }, true, cursors.slice(0, -1));
    } else {
      // Opened from a link in the middle of the list: the earlier cursors are unknown, so go to the start.
      write({ ...state, after: null, page: 1 }, true, []);
    }
  }, [state, cursors, write]);

  return { state, change, next, previous, hasPrevious: state.after !== null };
}
