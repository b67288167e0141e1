import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useQuery, useSubscription, type CombinedError } from 'urql';
import { newerSnapshot } from '../../lib/keyRequest';
import { isInFlight, type RequestStatus } from '../../lib/steps';

/** How long to wait for the first subscription event before polling instead. */
const SOCKET_GRACE_MS = 6000;
const POLL_INTERVAL_MS = 2000;

export interface KeyRequestSnapshot {
  id: string;
  updatedAt: string;
  status: RequestStatus;
}

type Reexecute = (opts?: { requestPolicy?: 'network-only' }) => void;

interface UseKeyRequestOptions<T extends KeyRequestSnapshot> {
  id: string;
  query: TypedDocumentNode<{ keyRequest: T | null }, { id: string }>;
  subscription: TypedDocumentNode<{ keyRequestUpdated: T }, { id: string }>;
}

export interface KeyRequestState<T> {
  /** The newest snapshot from the query, a mutation or the subscription. */
  current: T | null;
  fetching: boolean;
  loaded: boolean;
  error: CombinedError | undefined;
  reload: () => void;
  /** Records a snapshot a mutation returned. */
  update: (next: T) => void;
  /** True when live updates fell back to polling. */
  polling: boolean;
}

/**
 * Loads a key request and keeps it current: while the request is submitted or
 * signing it follows keyRequestUpdated and, if the socket fails or stays
 * silent, polls keyRequest(id) every 2 s instead.
 */
export function useKeyRequest<T extends KeyRequestSnapshot>({ id, query, subscription }: UseKeyRequestOptions<T>): KeyRequestState<T> {
  const [result, reexecute] = useQuery({ query, variables: { id }, requestPolicy: 'cache-and-network' });
  const [latest, setLatest] = useState<T | null>(null);

  const loaded = newerSnapshot(result.data?.keyRequest ?? null, latest);
  const live = useLiveUpdates(id, subscription, loaded ? isInFlight(loaded.status) : false, reexecute);
  const current = newerSnapshot(loaded, live.snapshot);

  const update = useCallback((next: T) => {
    setLatest((previous) => newerSnapshot(next, previous) ?? next);
  }, []);
  const reload = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);

  return {
    current,
    fetching: result.fetching,
    loaded: result.data !== undefined,
    error: result.error,
    reload,
    update,
    polling: live.polling,
  };
}

function useLiveUpdates<T extends KeyRequestSnapshot>(
  id: string,
  document: TypedDocumentNode<{ keyRequestUpdated: T }, { id: string }>,
  active: boolean,
  reexecute: Reexecute,
) {
  const [result] = useSubscription({ query: document, variables: { id }, pause: !active });
  const [socketFailed, setSocketFailed] = useState(false);
  const [snapshot, setSnapshot] = useState<T | null>(null);
  const reexecuteRef = useRef(reexecute);
  reexecuteRef.current = reexecute;

  const received = result.data?.keyRequestUpdated ?? null;
  useEffect(() => {
    if (received) setSnapshot((previous) => newerSnapshot(received, previous) ?? received);
  }, [received]);

  useEffect(() => {
    if (result.error) setSocketFailed(true);
  }, [result.error]);

  const hasData = received !== null;
  useEffect(() => {
    if (!active || hasData) return;
    const timer = window.setTimeout(() => setSocketFailed(true), SOCKET_GRACE_MS);
    return () => window.clearTimeout(timer);
  }, [active, hasData]);

  const polling = active && socketFailed;
  useEffect(() => {
    if (!polling) return;
    const timer = window.setInterval(() => reexecuteRef.current({ requestPolicy: 'network-only' }), POLL_INTERVAL_MS);
    return () => window.clearInterval(timer);
  }, [polling]);

  return { snapshot, polling };
}
