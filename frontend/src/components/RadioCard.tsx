import { useId, type ReactNode } from 'react';

interface RadioCardProps {
  name: string;
  checked: boolean;
  onChange: () => void;
  /** The choice's name: what a screen reader announces for the radio button. */
  title: ReactNode;
  /** Details read as the radio button's description. */
  facts?: ReactNode;
  disabled?: boolean;
  invalid?: boolean;
  /** Extra ids for aria-describedby (e.g. the group's error). */
  describedBy?: string;
  value?: string;
}

/** A radio button drawn as a card: a bold title and a line of facts; the whole card is clickable. */
export function RadioCard({ name, checked, onChange, title, facts, disabled, invalid, describedBy, value }: RadioCardProps) {
  const id = useId();
  const titleId = `${id}-title`;
  const factsId = `${id}-facts`;
  const description = [facts ? factsId : '', describedBy ?? ''].filter(Boolean).join(' ') || undefined;
  return (
    <label className={`choice${checked ? ' choice--checked' : ''}${disabled ? ' choice--disabled' : ''}`}>
      <input
        type="radio"
        className="choice__input"
        name={name}
        value={value}
        checked={checked}
        onChange={onChange}
        disabled={disabled}
        aria-labelledby={titleId}
        aria-describedby={description}
        aria-invalid={invalid || undefined}
      />
      <span className="choice__body">
        <span className="choice__title" id={titleId}>
          {title}
        </span>
        {facts ? (
          <span className="choice__facts" id={factsId}>
            {facts}
          </span>
        ) : null}
      </span>
    </label>
  );
}
