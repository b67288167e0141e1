import type { ButtonHTMLAttributes, ReactNode } from 'react';

interface SubmitButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  busy?: boolean;
  variant?: 'primary' | 'secondary' | 'ghost' | 'danger';
  block?: boolean;
  children: ReactNode;
}

/**
 * A button that keeps its text while busy: it shows a small spinner, sets
 * aria-busy and is disabled so a double click cannot submit twice.
 */
export function SubmitButton({ busy = false, variant = 'primary', block, children, disabled, className, type = 'submit', ...rest }: SubmitButtonProps) {
  const classes = ['button', `button--${variant}`, block ? 'button--block' : '', className ?? ''].filter(Boolean).join(' ');
  return (
    <button type={type} className={classes} disabled={disabled || busy} aria-busy={busy || undefined} {...rest}>
      {busy ? <span className="button__spinner" aria-hidden="true" /> : null}
      {children}
    </button>
  );
}
