import { useEffect, useRef, useState } from 'react';
import { copyText } from '../lib/files';

interface CopyButtonProps {
  text: string;
  /** What is copied, for the button's accessible name: "Copy serial number M-1". */
  label: string;
}

/** A small "Copy" button with a live confirmation. */
export function CopyButton({ text, label }: CopyButtonProps) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);

  const onCopy = async () => {
    window.clearTimeout(timer.current);
    try {
      await copyText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
    timer.current = window.setTimeout(() => setState('idle'), 2500);
  };

  return (
    <span className="copy-button">
      <button type="button" className="button button--ghost button--small" onClick={onCopy} aria-label={`${state === 'copied' ? 'Copied' : 'Copy'} ${label}`}>
        {state === 'copied' ? 'Copied' : 'Copy'}
      </button>
      <span className="visually-hidden" role="status" aria-live="polite">
        {state === 'copied' ? `${label} copied to the clipboard.` : state === 'failed' ? 'Copying failed; select the text and copy it manually.' : ''}
      </span>
    </span>
  );
}
