import { useEffect, useRef } from 'react';

interface ColumnChooserProps {
  columns: readonly { key: string; label: string }[];
  isVisible: (key: string) => boolean;
  onToggle: (key: string, visible: boolean) => void;
}

/** "Columns": a disclosure with a checkbox per optional column of the licenses table. Escape closes it. */
export function ColumnChooser({ columns, isVisible, onToggle }: ColumnChooserProps) {
  const details = useRef<HTMLDetailsElement>(null);
  useEffect(() => {
    const onPointer = (event: PointerEvent) => {
      const el = details.current;
      if (el?.open && event.target instanceof Node && !el.contains(event.target)) el.open = false;
    };
    document.addEventListener('pointerdown', onPointer);
    return () => document.removeEventListener('pointerdown', onPointer);
  }, []);
  return (
    <details
      className="menu"
      ref={details}
      onKeyDown={(event) => {
        if (event.key === 'Escape' && details.current?.open) {
          details.current.open = false;
          details.current.querySelector('summary')?.focus();
        }
      }}
    >
      <summary className="button button--ghost button--small menu__toggle">Columns</summary>
      <fieldset className="menu__panel">
        <legend className="visually-hidden">Columns to show</legend>
        <label className="checkbox menu__item">
          <input type="checkbox" aria-label="Show Product column" checked disabled />
          Product
        </label>
        {columns.map((column) => (
          <label key={column.key} className="checkbox menu__item">
            <input
              type="checkbox"
              aria-label={`Show ${column.label} column`}
              checked={isVisible(column.key)}
              onChange={(event) => onToggle(column.key, event.target.checked)}
            />
            {column.label}
          </label>
        ))}
      </fieldset>
    </details>
  );
}
