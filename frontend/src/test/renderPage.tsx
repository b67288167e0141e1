import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router-dom';
import { PortalProvider } from '../session';
import { makeMockClient, type MockCall } from './mockClient';

export type TestRole = 'ADMIN' | 'MEMBER' | 'VIEWER';

export const ACCOUNT = { __typename: 'Account' as const, id: 'acc-1', name: 'Acme Corp', number: 'C-1001', kind: 'CUSTOMER' as const };

/** The `me` answer for a user with one membership of `role` on Acme Corp. */
export function meData(role: TestRole = 'ADMIN') {
  return {
    __typename: 'Query',
    me: {
      __typename: 'User',
      id: 'u1',
      email: 'dana@example.com',
      name: 'Dana',
      emailVerified: true,
      memberships: [{ __typename: 'Membership', role, account: ACCOUNT }],
    },
  };
}

export const PARTNER_ACCOUNT = { __typename: 'Account' as const, id: 'acc-p', name: 'Initech Partners', number: 'P-2001', kind: 'PARTNER' as const };

/** The `me` answer for a user with one membership of `role` on the partner account Initech Partners. */
export function partnerMeData(role: TestRole = 'ADMIN') {
  return {
    __typename: 'Query',
    me: {
      __typename: 'User',
      id: 'u2',
      email: 'carol@initech.example',
      name: 'Carol',
      emailVerified: true,
      memberships: [{ __typename: 'Membership', role, account: PARTNER_ACCOUNT }],
    },
  };
}

/** Shows the current path, so tests can see where a page navigated to. */
export function LocationProbe() {
  const location = useLocation();
  return <p data-testid="location">{`${location.pathname}${location.search}`}</p>;
}

interface RenderPageOptions {
  path: string;
  /** The page's <Route> elements. */
  routes: ReactNode;
  query?: (call: MockCall) => unknown;
  mutation?: (call: MockCall) => unknown;
  role?: TestRole;
  /** The whole `me` answer, for users other than the default (e.g. a partner account's member). */
  me?: unknown;
}

/** Renders routes at `path` inside the portal (signed-in session, mock GraphQL client); other paths show a LocationProbe. */
export function renderPage({ path, routes, query, mutation, role = 'ADMIN', me }: RenderPageOptions) {
  const calls: MockCall[] = [];
  const client = makeMockClient(
    {
      query: (call) => (call.operationName === 'Me' ? (me ?? meData(role)) : query?.(call)),
      mutation,
    },
    calls,
  );
  const utils = render(
    <MemoryRouter initialEntries={[path]}>
      <PortalProvider clientFactory={() => ({ client, dispose: () => undefined })}>
        <Routes>
          {routes}
          <Route path="*" element={<LocationProbe />} />
        </Routes>
      </PortalProvider>
    </MemoryRouter>,
  );
  return { ...utils, calls, client };
}
