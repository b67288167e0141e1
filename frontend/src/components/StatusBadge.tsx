import { humanize } from '../lib/format';

type Tone = 'neutral' | 'info' | 'progress' | 'success' | 'danger' | 'warning';

const TONES: Record<string, Tone> = {
  DRAFT: 'neutral',
  SUBMITTED: 'progress',
  FULFILLING: 'progress',
  READY: 'success',
  FAILED: 'danger',
  EXPIRED: 'neutral',
  QUEUED: 'info',
  SENT: 'success',
  HELD: 'warning',
  ACTIVE: 'success',
  REVOKED: 'danger',
  EXPIRING: 'warning',
  MAINTENANCE_LAPSED: 'warning',
  SUPERSEDED: 'neutral',
  PENDING: 'progress',
  DECLINED: 'neutral',
};

const LABELS: Record<string, string> = {
  FULFILLING: 'Signing',
  HELD: 'Held',
};

/** A small coloured pill for an enum status such as READY or HELD. */
export function StatusBadge({ status, label }: { status: string; label?: string }) {
  const tone = TONES[status] ?? 'neutral';
  return <span className={`badge badge--${tone}`}>{label ?? LABELS[status] ?? humanize(status)}</span>;
}
