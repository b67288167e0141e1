import { useId, useState } from 'react';
import { HELP_TEXTS, type HelpTopicId } from '../lib/helpTexts';

/**
 * A "Where do I find …?" disclosure next to a field: a button with
 * aria-expanded that shows or hides the answer in a region it controls.
 */
export function FieldHelp({ topic }: { topic: HelpTopicId }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  const buttonId = `${id}-button`;
  const panelId = `${id}-panel`;
  const help = HELP_TEXTS[topic];
  return (
    <div className="field-help">
      <button
        type="button"
        id={buttonId}
        className="field-help__toggle"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen((value) => !value)}
      >
        <span className="field-help__icon" aria-hidden="true">
          ?
        </span>
        {help.question}
      </button>
      <div id={panelId} role="region" aria-labelledby={buttonId} className="field-help__panel" hidden={!open}>
        {help.answer.map((paragraph) => (
          <p key={paragraph}>{paragraph}</p>
        ))}
        {help.examples?.length ? (
          <dl className="field-help__examples">
            {help.examples.map((example) => (
              <div key={example.label}>
                <dt>{example.label}</dt>
                <dd>
                  <code className="mono">{example.value}</code>
                </dd>
              </div>
            ))}
          </dl>
        ) : null}
      </div>
    </div>
  );
}
