import type { ReactNode, SelectHTMLAttributes } from 'react';
import { describedBy, FieldNotes, fieldClassName } from './FieldNotes';

interface SelectFieldProps extends Omit<SelectHTMLAttributes<HTMLSelectElement>, 'onChange' | 'value'> {
  id: string;
  label: ReactNode;
  value: string;
  onValueChange: (value: string) => void;
  children: ReactNode;
  hint?: ReactNode;
  error?: string | null;
  compact?: boolean;
}

/** A labelled <select> with optional hint and error, styled like TextField. */
export function SelectField({ id, label, value, onValueChange, children, hint, error, compact, className, ...rest }: SelectFieldProps) {
  return (
    <div className={fieldClassName(error, className)}>
      <label className="field__label" htmlFor={id}>
        {label}
      </label>
      <select
        id={id}
        className={`select${compact ? ' select--compact' : ''}`}
        value={value}
        onChange={(event) => onValueChange(event.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy({ id, hint, error })}
        {...rest}
      >
        {children}
      </select>
      <FieldNotes id={id} hint={hint} error={error} />
    </div>
  );
}
