import { formatDateTime } from '../../lib/format';

interface Entry {
  at: string;
  action: string;
  /** The event as a sentence, from the server ("Host pc-1 activated"). */
  summary: string;
  actor: { id: string; name: string; email: string } | null;
}

/** The license's audit trail, newest first, one sentence per event. */
export function LicenseHistory({ entries }: { entries: readonly Entry[] }) {
  return (
    <section className="section" aria-labelledby="history-heading">
      <h2 className="section__title" id="history-heading">
        History
      </h2>
      {entries.length === 0 ? (
        <p className="empty-note">Nothing has been recorded for this license yet.</p>
      ) : (
        <div className="card card--flush">
          <div className="table-wrap">
            <table className="table table--stack">
              <caption className="visually-hidden">History of this license, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Action</th>
                  <th scope="col">By</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((entry, index) => (
                  <tr key={`${entry.at}-${index}`}>
                    <td data-label="Time">{formatDateTime(entry.at)}</td>
                    <td data-label="Action">
                      <span>{entry.summary}</span>
                    </td>
                    <td data-label="By">{entry.actor ? entry.actor.email : <span className="muted">System</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </section>
  );
}
