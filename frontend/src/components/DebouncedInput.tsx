import { useEffect, useRef, useState, type InputHTMLAttributes } from 'react';

export interface DebouncedInputProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'onChange' | 'value'> {
  value: string;
  /** Called once typing pauses for `delay` ms, and at once on Enter. */
  onCommit: (value: string) => void;
  delay?: number;
}

/**
 * An input that reports its value after a short pause in typing, so a filter
 * does not send a request per keystroke. Follows `value` when it changes from
 * outside (e.g. the browser's back button).
 */
export function DebouncedInput({ value, onCommit, delay = 300, onKeyDown, ...rest }: DebouncedInputProps) {
  const [text, setText] = useState(value);
  const committed = useRef(value);
  const timer = useRef<number | undefined>(undefined);
  const commitRef = useRef(onCommit);
  commitRef.current = onCommit;

  useEffect(() => {
    if (value !== committed.current) {
      committed.current = value;
      setText(value);
    }
  }, [value]);

  useEffect(() => () => window.clearTimeout(timer.current), []);

  const commit = (next: string) => {
    window.clearTimeout(timer.current);
    if (next === committed.current) return;
    committed.current = next;
    commitRef.current(next);
  };

  return (
    <input
      {...rest}
      value={text}
      onChange={(event) => {
        const next = event.target.value;
        setText(next);
        window.clearTimeout(timer.current);
        timer.current = window.setTimeout(() => commit(next), delay);
      }}
      onKeyDown={(event) => {
        if (event.key === 'Enter') {
          event.preventDefault();
          commit(event.currentTarget.value);
        }
        onKeyDown?.(event);
      }}
    />
  );
}
