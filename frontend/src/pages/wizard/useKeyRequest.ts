import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { useQuery, useSubscription, type CombinedError } from 'urql';
import { EMPTY_SNAPSHOT, mergeSnapshot, snapshotValue, type SnapshotState } from '../../lib/keyRequest';
import { isInFlight, type RequestStatus } from '../../lib/steps';

/** How long to wait for the first subscription event before polling instead. */
const SOCKET_GRACE_MS = 6000;
const POLL_INTERVAL_MS = 2000;

export interface KeyRequestSnapshot {
  id: string;
  updatedAt: string;
  status: RequestStatus;
}

/** A snapshot a mutation answer or a frame carries: the fields its step changes, or all of them. */
export type KeyRequestUpdate<T> = KeyRequestSnapshot & Partial<T>;

/** Mutation answers and frames are partial snapshots: merged in, never whole. */
const recordUpdate = (state: SnapshotState, next: KeyRequestSnapshot) => mergeSnapshot(state, next);

type Reexecute = (opts?: { requestPolicy?: 'network-only' }) => void;

interface UseKeyRequestOptions<T extends KeyRequestSnapshot, L extends KeyRequestUpdate<T>> {
  id: string;
  query: TypedDocumentNode<{ keyRequest: T | null }, { id: string }>;
  /** May select fewer fields than `query`: each frame is merged into what is known. */
  subscription: TypedDocumentNode<{ keyRequestUpdated: L }, { id: string }>;
}

export interface KeyRequestState<T> {
  /** The request as known from the query, mutation answers and the subscription, newest field by field. */
  current: T | null;
  fetching: boolean;
  loaded: boolean;
  error: CombinedError | undefined;
  reload: () => void;
  /** Records a snapshot a mutation returned. */
  update: (next: KeyRequestUpdate<T>) => void;
  /** True when live updates fell back to polling. */
  polling: boolean;
}

/**
 * Loads a key request and keeps it current: while the request is submitted or
 * signing it follows keyRequestUpdated and, if the socket fails or stays
 * silent, polls keyRequest(id) every 2 s instead.
 *
 * After its first answer the query is paused: each mutation answers with the
 * request as the step left it, and a live query would make urql's document
 * cache fetch the whole request again after every mutation. `reload` and
 * polling still ask the server.
 */
export function useKeyRequest<T extends KeyRequestSnapshot, L extends KeyRequestUpdate<T> = T>({
  id,
  query,
  subscription,
}: UseKeyRequestOptions<T, L>): KeyRequestState<T> {
  const [answered, setAnswered] = useState(false);
  const [result, reexecute] = useQuery({ query, variables: { id }, requestPolicy: 'cache-and-network', pause: answered });
  const [updates, record] = useReducer(recordUpdate, EMPTY_SNAPSHOT);

  const fresh = result.data !== undefined && !result.stale && !result.fetching;
  useEffect(() => {
    if (fresh) setAnswered(true);
  }, [fresh]);

  const loadedRequest = result.data?.keyRequest ?? null;
  const current = useMemo(
    () => (loadedRequest ? snapshotValue<T>(mergeSnapshot(updates, loadedRequest, true)) : null),
    [updates, loadedRequest],
  );
  const live = useLiveUpdates(id, subscription, current ? isInFlight(current.status) : false, reexecute, record);

  const update = useCallback((next: KeyRequestUpdate<T>) => record(next), []);
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

function useLiveUpdates<L extends KeyRequestSnapshot>(
  id: string,
  document: TypedDocumentNode<{ keyRequestUpdated: L }, { id: string }>,
  active: boolean,
  reexecute: Reexecute,
  record: (frame: L) => void,
) {
  const [result] = useSubscription({ query: document, variables: { id }, pause: !active });
  const [socketFailed, setSocketFailed] = useState(false);
  const reexecuteRef = useRef(reexecute);
  reexecuteRef.current = reexecute;

  const received = result.data?.keyRequestUpdated ?? null;
  useEffect(() => {
    if (received) record(received);
  }, [received, record]);

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

  return { polling };
}
