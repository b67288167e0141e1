import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { Provider as UrqlProvider, useQuery, type CombinedError } from 'urql';
import { graphql } from './gql';
import type { MeQuery } from './gql/graphql';
import { pickMembership, readRememberedAccount, rememberAccount } from './lib/accounts';
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

export type SessionUser = NonNullable<MeQuery['me']>;
export type SessionMembership = SessionUser['memberships'][number];

interface SessionValue {
  user: SessionUser | null;
  /** True until the first answer to "who is signed in?" arrived. */
  loading: boolean;
  error: CombinedError | undefined;
  retry: () => void;
  /** Drops every cached answer and the socket; call after signing in or out. */
  resetSession: () => void;
  membership: SessionMembership | null;
  selectAccount: (accountId: string) => void;
}

const SessionContext = createContext<SessionValue | null>(null);

const PUBLIC_PATHS = ['/login', '/signup', '/verify-email'];

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

function SessionState({ children, resetSession }: { children: ReactNode; resetSession: () => void }) {
  const [result, reexecute] = useQuery({ query: MeQueryDocument });
  const user = result.data?.me ?? null;
  const [chosen, setChosen] = useState<{ userId: string; accountId: string } | null>(null);

  const membership = useMemo(() => {
    if (!user) return null;
    const accountId = chosen?.userId === user.id ? chosen.accountId : readRememberedAccount(user.id);
    return pickMembership(user.memberships, accountId);
  }, [user, chosen]);

  const selectAccount = useCallback(
    (accountId: string) => {
      if (!user) return;
      rememberAccount(user.id, accountId);
      setChosen({ userId: user.id, accountId });
    },
    [user],
  );

  const retry = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);

  const value = useMemo<SessionValue>(
    () => ({
      user,
      loading: result.fetching && !result.data,
      error: result.data ? undefined : result.error,
      retry,
      resetSession,
      membership,
      selectAccount,
    }),
    [user, result.fetching, result.data, result.error, retry, resetSession, membership, selectAccount],
  );

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession must be used inside <PortalProvider>.');
  return value;
}
