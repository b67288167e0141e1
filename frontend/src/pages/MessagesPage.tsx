import { Fragment, useState } from 'react';
import { useQuery } from 'urql';
import { Alert } from '../components/Alert';
import { ErrorNotice } from '../components/ErrorNotice';
import { LoadingPanel } from '../components/Spinner';
import { StatusBadge } from '../components/StatusBadge';
import { usePageTitle } from '../components/usePageTitle';
import { graphql } from '../gql';
import { formatDateTime } from '../lib/format';

const MessagesQuery = graphql(`
  query Messages {
    messages(first: 50) {
      id
      to
      subject
      body
      status
      error
      createdAt
      sentAt
    }
  }
`);

export function MessagesPage() {
  usePageTitle('Messages');
  const [result, reexecute] = useQuery({ query: MessagesQuery, requestPolicy: 'cache-and-network' });
  const [open, setOpen] = useState<Set<string>>(() => new Set());
  const messages = result.data?.messages ?? [];
  const anyHeld = messages.some((m) => m.status === 'HELD');

  const toggle = (id: string) =>
    setOpen((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <div className="page">
      <div className="page__header">
        <div>
          <h1 className="page__title">Messages</h1>
          <p className="page__lead">
            E-mail the portal sent to you and your accounts: verification links, license keys and notices. Newest first.
          </p>
        </div>
        <button
          type="button"
          className="button button--secondary button--small"
          onClick={() => reexecute({ requestPolicy: 'network-only' })}
          disabled={result.fetching}
        >
          Refresh
        </button>
      </div>

      <Alert tone={anyHeld ? 'warning' : 'info'} title="About “Held” messages" live={false}>
        <p>
          A message marked <strong>Held</strong> was kept in the portal instead of being sent, because no mail server is
          configured. Nothing is lost: open it here to read it, including any license keys it contains.
        </p>
      </Alert>

      {result.error && !result.data ? (
        <ErrorNotice error={result.error} title="Messages could not be loaded" onRetry={() => reexecute({ requestPolicy: 'network-only' })} />
      ) : !result.data ? (
        <LoadingPanel label="Loading messages…" />
      ) : messages.length === 0 ? (
        <div className="empty-state card">
          <p className="empty-state__title">No messages yet</p>
          <p className="muted">Messages appear here once the portal sends you e-mail.</p>
        </div>
      ) : (
        <div className="card card--flush">
          <div className="table-wrap">
            <table className="table table--stack table--messages">
              <caption className="visually-hidden">Messages, newest first. Select a subject to read the message.</caption>
              <thead>
                <tr>
                  <th scope="col">Subject</th>
                  <th scope="col">To</th>
                  <th scope="col">Status</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {messages.map((message) => {
                  const expanded = open.has(message.id);
                  const bodyId = `message-${message.id}-body`;
                  return (
                    <Fragment key={message.id}>
                      <tr className={`table__row--clickable${expanded ? ' is-expanded' : ''}`} onClick={() => toggle(message.id)}>
                        <td data-label="Subject">
                          <button
                            type="button"
                            className="disclosure"
                            aria-expanded={expanded}
                            aria-controls={bodyId}
                            onClick={(event) => {
                              event.stopPropagation();
                              toggle(message.id);
                            }}
                          >
                            <span className="disclosure__chevron" aria-hidden="true" />
                            {message.subject || '(no subject)'}
                          </button>
                        </td>
                        <td data-label="To" className="break">
                          {message.to}
                        </td>
                        <td data-label="Status">
                          <StatusBadge status={message.status} />
                        </td>
                        <td data-label="Created">{formatDateTime(message.createdAt)}</td>
                      </tr>
                      {expanded ? (
                        <tr className="table__detail" id={bodyId}>
                          <td colSpan={4}>
                            {message.status === 'FAILED' && message.error ? (
                              <Alert tone="error" live={false}>
                                <p>Sending failed: {message.error}</p>
                              </Alert>
                            ) : null}
                            {message.sentAt ? <p className="muted small">Sent {formatDateTime(message.sentAt)}</p> : null}
                            <pre className="message-body">{message.body}</pre>
                          </td>
                        </tr>
                      ) : null}
                    </Fragment>
                  );
                })}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </div>
  );
}
