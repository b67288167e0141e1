import { Client, cacheExchange, fetchExchange, mapExchange, subscriptionExchange } from '@urql/core';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { isAuthError } from './authErrors';
import { CSRF_COOKIE, csrfHeaders, readCookie } from './cookies';

export const GRAPHQL_PATH = '/graphql';

export interface PortalClient {
  client: Client;
  /** Closes the subscription socket; call when the client is replaced. */
  dispose: () => void;
}

export interface PortalClientOptions {
  /** Called when the server says the session is missing or has expired. */
  onAuthError?: () => void;
}

function websocketUrl(): string {
  const { protocol, host } = window.location;
  return `${protocol === 'https:' ? 'wss:' : 'ws:'}//${host}${GRAPHQL_PATH}`;
}

/**
 * The portal's GraphQL client: same-origin HTTP with the session cookie and
 * the CSRF header (read from the cookie for every request), plus a
 * graphql-transport-ws socket for subscriptions.
 */
export function createPortalClient(options: PortalClientOptions = {}): PortalClient {
  let ws: WsClient | null = null;
  const socket = (): WsClient => {
    ws ??= createWsClient({
      url: websocketUrl(),
      lazy: true,
      // A rolling restart closes sockets with 1012: keep retrying for about a minute (waits
      // doubling to at most 10 s, jittered so reconnecting tabs spread out) before giving up.
      retryAttempts: 8,
      retryWait: (retries) =>
        new Promise((resolve) => setTimeout(resolve, Math.min(1000 * 2 ** retries, 10_000) + Math.random() * 1000)),
      connectionParams: () => {
        const token = readCookie(CSRF_COOKIE);
        return token ? { csrfToken: token } : {};
      },
    });
    return ws;
  };

  const client = new Client({
    url: GRAPHQL_PATH,
    preferGetMethod: false,
    fetchOptions: () => ({
      credentials: 'same-origin',
      headers: csrfHeaders(),
    }),
    exchanges: [
      mapExchange({
        onError(error) {
          if (isAuthError(error)) options.onAuthError?.();
        },
      }),
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? '' };
          return {
            subscribe(sink) {
              const unsubscribe = socket().subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });

  return {
    client,
    dispose: () => {
      void ws?.dispose();
      ws = null;
    },
  };
}
