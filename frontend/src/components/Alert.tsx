import type { ReactNode } from 'react';

export type AlertTone = 'error' | 'warning' | 'success' | 'info';

interface AlertProps {
  tone: AlertTone;
  title?: ReactNode;
  children?: ReactNode;
  /** Errors and warnings are announced at once; pass false for static notes. */
  live?: boolean;
  className?: string;
}

/** A coloured notice box. Errors use role="alert" so screen readers announce them. */
export function Alert({ tone, title, children, live = true, className }: AlertProps) {
  const role = !live ? undefined : tone === 'error' || tone === 'warning' ? 'alert' : 'status';
  return (
    <div className={`alert alert--${tone}${className ? ` ${className}` : ''}`} role={role}>
      <span className="alert__icon" aria-hidden="true">
        {tone === 'error' ? '!' : tone === 'warning' ? '!' : tone === 'success' ? '✓' : 'i'}
      </span>
      <div className="alert__body">
        {title ? <p className="alert__title">{title}</p> : null}
        {children}
      </div>
    </div>
  );
}
