import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { Provider as UrqlProvider, useQuery, type CombinedError } from 'urql';
import { graphql } from './gql';
import type { MeQuery } from './gql/graphql';
import {
  homeMembership,
  isPartnerUser,
  lesserRole,
  pickMembership,
  readRememberedAccount,
  rememberAccount,
  roleForScope,
  type DelegationScope,
  type Role,
} from './lib/accounts';
import { createPortalClient, type PortalClient, type PortalClientOptions } from './lib/client';

export const MeQueryDocument = graphql(`
  query Me {
    me {
      id
      email
      name
      emailVerified
      memberships {
        role
        account {
          id
          name
          number
          kind
        }
      }
    }
  }
`);

/** A customer account a partner user may act for, by id (a reload knows only the remembered id). */
export const ManagedAccountLookupQuery = graphql(`
  query ManagedAccountLookup($id: ID!) {
    node(id: $id) {
      __typename
      ... on Account {
        id
        name
        number
        kind
        viewerRole
      }
    }
  }
`);

export type SessionUser = NonNullable<MeQuery['me']>;
export type SessionMembership = SessionUser['memberships'][number];
export type SessionAccount = SessionMembership['account'];

/** A customer account the user works on through a partner account's delegation. */
export interface ManagedAccountChoice {
  account: Omit<SessionAccount, '__typename'>;
  scope: DelegationScope;
  /** The partner account whose delegation lets the user in, when known. */
  partnerAccountId?: string | null;
  /** The effective role when the server told it (viewerRole); else derived from the scope. */
  role?: Role | null;
}

interface SessionValue {
  user: SessionUser | null;
  /** True until the first answer to "who is signed in?" arrived. */
  loading: boolean;
  error: CombinedError | undefined;
  retry: () => void;
  /** Drops every cached answer and the socket; call after signing in or out. */
  resetSession: () => void;
  /**
   * The account every page works on, with the user's effective role there: one of the
   * user's own memberships, or the customer account a partner user acts for (role MEMBER
   * for a MANAGE delegation, VIEWER for VIEW).
   */
  membership: SessionMembership | null;
  /** Set while a partner user acts for a customer account; null on the user's own accounts. */
  actingFor: ManagedAccountChoice | null;
  /** The user's own membership to go back to from a customer account (the partner account). */
  ownMembership: SessionMembership | null;
  /** Works on one of the user's own accounts, or (with `managed`) on a customer account a partner account manages. */
  selectAccount: (accountId: string, managed?: ManagedAccountChoice) => void;
}

const SessionContext = createContext<SessionValue | null>(null);

const PUBLIC_PATHS = ['/login', '/signup', '/verify-email', '/forgot-password', '/reset-password'];

interface PortalProviderProps {
  children: ReactNode;
  /** Builds the GraphQL client; replaceable for tests. */
  clientFactory?: (options: PortalClientOptions) => PortalClient;
}

/** Provides the GraphQL client and the signed-in user to the whole portal. */
export function PortalProvider({ children, clientFactory = createPortalClient }: PortalProviderProps) {
  const navigate = useNavigate();
  const location = useLocation();
  const locationRef = useRef(location);
  locationRef.current = location;

  const authErrorPending = useRef(false);
  const resetRef = useRef<() => void>(() => undefined);

  const makeClient = useCallback(
    (): PortalClient =>
      clientFactory({
        onAuthError: () => {
          if (authErrorPending.current) return;
          authErrorPending.current = true;
          window.setTimeout(() => {
            authErrorPending.current = false;
            const current = locationRef.current;
            if (PUBLIC_PATHS.includes(current.pathname)) return;
            navigate('/login', { replace: true, state: { from: current } });
            resetRef.current();
          }, 0);
        },
      }),
    [navigate, clientFactory],
  );

  const [portalClient, setPortalClient] = useState<PortalClient>(makeClient);

  // The previous client's socket is closed by the cleanup effect below.
  const resetSession = useCallback(() => setPortalClient(makeClient()), [makeClient]);
  resetRef.current = resetSession;

  useEffect(() => () => portalClient.dispose(), [portalClient]);

  return (
    <UrqlProvider value={portalClient.client}>
      <SessionState resetSession={resetSession}>{children}</SessionState>
    </UrqlProvider>
  );
}

function managedMembership(choice: ManagedAccountChoice, memberships: readonly SessionMembership[]): SessionMembership {
  // As on the server: the delegation's scope, capped by the user's own role on the partner account.
  const partnerRole = memberships.find((m) => m.account.id === choice.partnerAccountId)?.role;
  return {
    __typename: 'Membership',
    role: choice.role ?? lesserRole(roleForScope(choice.scope), partnerRole),
    account: { __typename: 'Account', ...choice.account },
  };
}

interface Choice {
  userId: string;
  accountId: string;
  managed: ManagedAccountChoice | null;
}

function SessionState({ children, resetSession }: { children: ReactNode; resetSession: () => void }) {
  const [result, reexecute] = useQuery({ query: MeQueryDocument });
  const user = result.data?.me ?? null;
  const [chosen, setChosen] = useState<Choice | null>(null);

  const wantedId = user ? (chosen?.userId === user.id ? chosen.accountId : readRememberedAccount(user.id)) : null;
  const choice = chosen && user && chosen.userId === user.id ? chosen : null;
  // A remembered id that is none of the user's own accounts: a customer account a partner user acted for.
  const lookupId =
    user && wantedId && !choice?.managed && isPartnerUser(user.memberships) && !user.memberships.some((m) => m.account.id === wantedId)
      ? wantedId
      : null;
  const [lookup] = useQuery({ query: ManagedAccountLookupQuery, variables: { id: lookupId ?? '' }, pause: !lookupId });
  const looked = lookupId && lookup.data && !lookup.fetching ? lookup.data.node : null;
  const lookupPending = lookupId !== null && !lookup.error && (lookup.fetching || lookup.data === undefined);

  const actingFor = useMemo<ManagedAccountChoice | null>(() => {
    if (!user) return null;
    if (choice?.managed) return choice.managed;
    if (looked && looked.__typename === 'Account' && looked.viewerRole && looked.id === lookupId) {
      const { id, name, number, kind } = looked;
      return { account: { id, name, number, kind }, scope: looked.viewerRole === 'VIEWER' ? 'VIEW' : 'MANAGE', role: looked.viewerRole };
    }
    return null;
  }, [user, choice, looked, lookupId]);

  const ownMembership = useMemo(() => {
    if (!user) return null;
    if (actingFor) return homeMembership(user.memberships, actingFor.partnerAccountId);
    return pickMembership(user.memberships, wantedId);
  }, [user, actingFor, wantedId]);

  const membership = useMemo(
    () => (actingFor && user ? managedMembership(actingFor, user.memberships) : ownMembership),
    [actingFor, ownMembership, user],
  );

  const selectAccount = useCallback(
    (accountId: string, managed?: ManagedAccountChoice) => {
      if (!user) return;
      rememberAccount(user.id, accountId);
      setChosen({ userId: user.id, accountId, managed: managed && managed.account.id === accountId ? managed : null });
    },
    [user],
  );

  const retry = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);

  const value = useMemo<SessionValue>(
    () => ({
      user,
      loading: (result.fetching && !result.data) || lookupPending,
      error: result.data ? undefined : result.error,
      retry,
      resetSession,
      membership,
      actingFor,
      ownMembership,
      selectAccount,
    }),
    [user, result.fetching, result.data, result.error, lookupPending, retry, resetSession, membership, actingFor, ownMembership, selectAccount],
  );

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession must be used inside <PortalProvider>.');
  return value;
}
