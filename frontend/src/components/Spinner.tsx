interface SpinnerProps {
  label: string;
  /** Show the label next to the spinner (default) or only to assistive technology. */
  showLabel?: boolean;
  size?: 'small' | 'medium' | 'large';
}

/** A spinner with a live label, e.g. "Loading key request…". */
export function Spinner({ label, showLabel = true, size = 'medium' }: SpinnerProps) {
  return (
    <span className={`spinner spinner--${size}`} role="status" aria-live="polite">
      <span className="spinner__wheel" aria-hidden="true" />
      <span className={showLabel ? 'spinner__label' : 'visually-hidden'}>{label}</span>
    </span>
  );
}

/** A centred spinner for a page or panel that is still loading. */
export function LoadingPanel({ label }: { label: string }) {
  return (
    <div className="loading-panel">
      <Spinner label={label} size="large" />
    </div>
  );
}
