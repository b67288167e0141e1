import { formatDateTime } from '../../lib/format';

interface Entry {
  at: string;
  action: string;
  actor: { id: string; name: string; email: string } | null;
}

const ACTIONS: Record<string, string> = {
  'license.share': 'Shared',
  'license.unshare': 'Sharing removed',
  'license.custom_values': 'Custom fields changed',
  'license.registration': 'Support registration changed',
  'license.transfer_ownership': 'Ownership transferred',
  'key_request.confirm': 'Keys requested',
  'rehost.confirm': 'Re-hosted',
  'activation.deactivate': 'Host deactivated',
};

/** "license.custom_values" → "Custom fields changed"; unknown actions are shown readably. */
export function historyActionText(action: string): string {
  const known = ACTIONS[action];
  if (known) return known;
  const text = action.replace(/[._]+/g, ' ').trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The license's audit trail, newest first. */
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
                      <span>
                        {historyActionText(entry.action)} <span className="muted small mono">{entry.action}</span>
                      </span>
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
