import type { ReactNode } from 'react';
import { DebouncedInput, type DebouncedInputProps } from './DebouncedInput';

interface FilterFieldProps extends DebouncedInputProps {
  id: string;
  label: ReactNode;
  /** Shown after the input, e.g. a <datalist> of suggestions. */
  children?: ReactNode;
}

/** A labelled DebouncedInput in a filter form; `className` goes on the field. */
export function FilterField({ id, label, className, children, ...input }: FilterFieldProps) {
  return (
    <div className={`field${className ? ` ${className}` : ''}`}>
      <label className="field__label" htmlFor={id}>
        {label}
      </label>
      <DebouncedInput id={id} className="input" {...input} />
      {children}
    </div>
  );
}

interface ExpiringWithinFieldProps {
  id: string;
  className?: string;
  days: number | null;
  /** A whole number of days, or null when the field is empty (or holds anything else). */
  onCommit: (days: number | null) => void;
}

/** The "Expiring within (days)" filter. */
export function ExpiringWithinField({ id, className, days, onCommit }: ExpiringWithinFieldProps) {
  return (
    <FilterField
      id={id}
      className={className}
      label="Expiring within (days)"
      type="number"
      inputMode="numeric"
      min={0}
      step={1}
      value={days === null ? '' : String(days)}
      onCommit={(value) => onCommit(/^\d+$/.test(value.trim()) ? Number(value) : null)}
    />
  );
}
