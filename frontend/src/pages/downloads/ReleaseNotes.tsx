import type { ComponentPropsWithoutRef } from 'react';
import Markdown, { type Components } from 'react-markdown';
import remarkGfm from 'remark-gfm';

type HeadingLevel = 4 | 5 | 6;

function heading(level: HeadingLevel) {
  const Tag = `h${level}` as const;
  return function NotesHeading({ children }: ComponentPropsWithoutRef<'h4'>) {
    return <Tag className="release-notes__heading">{children}</Tag>;
  };
}

/** Links leave the portal in a new tab; the notes' author is the vendor, but the target is outside the portal. */
function NotesLink({ href, children }: ComponentPropsWithoutRef<'a'>) {
  return (
    <a href={href} target="_blank" rel="noopener noreferrer">
      {children}
    </a>
  );
}

function componentsFrom(level: HeadingLevel): Components {
  const next = Math.min(level + 1, 6) as HeadingLevel;
  return { h1: heading(level), h2: heading(level), h3: heading(next), h4: heading(next), h5: heading(next), h6: heading(next), a: NotesLink };
}

// Made once per level: new component functions on every render would remount the notes.
const COMPONENTS: Record<HeadingLevel, Components> = { 4: componentsFrom(4), 5: componentsFrom(5), 6: componentsFrom(6) };

/**
 * A release's notes, Markdown as the operator published them (with tables and task lists).
 *
 * Safe by construction: react-markdown builds React elements, never HTML strings; raw HTML in the
 * text is dropped (skipHtml) and link targets other than http(s), mailto and relative ones are
 * removed by its default URL filter. Images are left out (no third-party requests from the page).
 * Headings sit under the version's own heading: `level` is the first free level.
 */
export function ReleaseNotes({ markdown, level = 4 }: { markdown: string; level?: HeadingLevel }) {
  const components = COMPONENTS[level];
  if (!markdown.trim()) return <p className="muted">No release notes were published with this release.</p>;
  return (
    <div className="release-notes">
      <Markdown remarkPlugins={[remarkGfm]} skipHtml disallowedElements={['img']} components={components}>
        {markdown}
      </Markdown>
    </div>
  );
}
