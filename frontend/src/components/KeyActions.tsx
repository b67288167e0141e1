import { useEffect, useRef, useState, type ReactNode } from 'react';
import { copyText, downloadTextFile, licenseFileName } from '../lib/files';

interface KeyActionsProps {
  activationKey: string;
  licenseFile: string;
  /** id of the element naming the key, so "Copy" and "Download .lic" say which key they act on. */
  describedBy?: string;
  className?: string;
  /** More actions after the two buttons (e.g. a link to the key's license). */
  children?: ReactNode;
}

/** "Copy" (the activation key) and "Download .lic" (the signed license file), with a live confirmation. */
export function KeyActions({ activationKey, licenseFile, describedBy, className = 'key-card__actions', children }: KeyActionsProps) {
  const [copied, setCopied] = useState<'idle' | 'copied' | 'failed'>('idle');
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);

  const onCopy = async () => {
    window.clearTimeout(timer.current);
    try {
      await copyText(activationKey);
      setCopied('copied');
    } catch {
      setCopied('failed');
    }
    timer.current = window.setTimeout(() => setCopied('idle'), 2500);
  };

  const onDownload = () => {
    downloadTextFile(licenseFileName(activationKey), licenseFile);
  };

  return (
    <div className={className}>
      <button type="button" className="button button--secondary button--small" onClick={onCopy} aria-describedby={describedBy}>
        {copied === 'copied' ? 'Copied' : 'Copy'}
      </button>
      <button type="button" className="button button--primary button--small" onClick={onDownload} aria-describedby={describedBy}>
        Download .lic
      </button>
      {children}
      <span className="key-card__status" role="status" aria-live="polite">
        {copied === 'copied'
          ? 'Activation key copied to the clipboard.'
          : copied === 'failed'
            ? 'Copying failed; select the key and copy it manually.'
            : ''}
      </span>
    </div>
  );
}
