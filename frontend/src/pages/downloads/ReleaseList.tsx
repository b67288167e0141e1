import { useState, type MouseEvent } from 'react';
import { Link } from 'react-router-dom';
import { CopyButton } from '../../components/CopyButton';
import { formatNumber } from '../../lib/flex';
import { formatDate } from '../../lib/format';
import {
  followLink,
  formatExactBytes,
  formatPlatform,
  formatFileSize,
  groupByVersion,
  guessVerifySystem,
  linkMayHaveExpired,
  VERIFY_SYSTEMS,
  verifyAnswer,
  verifyCommand,
  type VersionGroup,
} from '../../lib/downloads';
import type { DownloadFile, DownloadRelease } from './documents';
import { ReleaseNotes } from './ReleaseNotes';

export interface ReleaseListProps {
  releases: readonly DownloadRelease[];
  /** When the links in `releases` arrived (ms since the epoch): they last 5 minutes. */
  receivedAt: number;
  /** Fetches the same releases again for fresh links; null when that failed. */
  refresh: () => Promise<readonly DownloadRelease[] | null>;
  /** The versions' heading level; platforms are one below, headings in the notes two. */
  level?: 3 | 4;
}

/** Versions, newest first, each with its release notes and, per platform, the files. */
export function ReleaseList({ releases, receivedAt, refresh, level = 3 }: ReleaseListProps) {
  const groups = groupByVersion(releases);
  return (
    <ol className="release-list" aria-label="Versions, newest first">
      {groups.map((group, index) => (
        <li key={group.key}>
          <VersionBlock group={group} receivedAt={receivedAt} refresh={refresh} level={level} notesOpen={index === 0} />
        </li>
      ))}
    </ol>
  );
}

interface VersionBlockProps {
  group: VersionGroup<DownloadRelease>;
  receivedAt: number;
  refresh: ReleaseListProps['refresh'];
  level: 3 | 4;
  notesOpen: boolean;
}

function VersionBlock({ group, receivedAt, refresh, level, notesOpen }: VersionBlockProps) {
  const Heading = `h${level}` as const;
  const PlatformHeading = `h${level + 1}` as 'h4' | 'h5';
  const product = group.releases[0]!.product;
  const headingId = `release-${group.key.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  const locked = group.sharedLockedReason;
  return (
    <article className={`release card${locked ? ' release--locked' : ''}`} aria-labelledby={headingId} data-testid="release-version">
      <header className="release__header">
        <Heading className="release__title" id={headingId}>
          {product.name} {group.version}
        </Heading>
        <p className="release__meta muted small">
          Released {formatDate(group.releasedOn)}
          {locked ? (
            <>
              {' · '}
              <span className="badge badge--warning">Locked</span>
            </>
          ) : null}
        </p>
      </header>
      {locked ? <LockedNotice reason={locked} product={product} /> : null}
      {group.sharedNotes !== null ? (
        <details className="release__notes" open={notesOpen}>
          <summary>Release notes</summary>
          <ReleaseNotes markdown={group.sharedNotes} level={(level + 2) as 5 | 6} />
        </details>
      ) : null}
      {group.releases.map((release) => (
        <PlatformBlock
          key={release.id}
          release={release}
          heading={PlatformHeading}
          ownNotes={group.sharedNotes === null}
          ownLock={!locked}
          notesLevel={(level + 2) as 5 | 6}
          receivedAt={receivedAt}
          refresh={refresh}
        />
      ))}
    </article>
  );
}

interface PlatformBlockProps {
  release: DownloadRelease;
  heading: 'h4' | 'h5';
  /** The platforms' notes differ: each shows its own. */
  ownNotes: boolean;
  /** The lock is not said for the whole version: say it here, if any. */
  ownLock: boolean;
  notesLevel: 5 | 6;
  receivedAt: number;
  refresh: ReleaseListProps['refresh'];
}

/** One platform's release of a version: its files (and its notes or lock when they differ from the other platforms'). */
function PlatformBlock({ release, heading: Heading, ownNotes, ownLock, notesLevel, receivedAt, refresh }: PlatformBlockProps) {
  const platform = formatPlatform(release.platform);
  const { product } = release;
  return (
    <section className="release__platform" aria-label={`${product.name} ${release.version} for ${platform}`}>
      <div className="release__platform-head">
        <Heading className="release__platform-title">{platform}</Heading>
        {release.downloadCount !== null ? (
          <span className="muted small">{release.downloadCount === 1 ? 'Downloaded once' : `Downloaded ${formatNumber(release.downloadCount)} times`}</span>
        ) : null}
      </div>
      {release.lockedReason && ownLock ? <LockedNotice reason={release.lockedReason} product={product} /> : null}
      {ownNotes ? (
        <details className="release__notes">
          <summary>Release notes for {platform}</summary>
          <ReleaseNotes markdown={release.notes} level={notesLevel} />
        </details>
      ) : null}
      {release.files.length === 0 ? (
        <p className="muted small">No files in this release yet.</p>
      ) : (
        <ul className="download-files" aria-label={`Files for ${platform}`}>
          {release.files.map((file) => (
            <FileItem key={file.id} file={file} locked={release.lockedReason !== null} receivedAt={receivedAt} refresh={refresh} />
          ))}
        </ul>
      )}
    </section>
  );
}

/** Why a release cannot be downloaded, and the way to change that: renewing maintenance. */
function LockedNotice({ reason, product }: { reason: string; product: DownloadRelease['product'] }) {
  const licenses = `/licenses?${new URLSearchParams({ product: product.sku }).toString()}`;
  return (
    <div className="release__locked" role="note">
      <p className="release__locked-reason">{reason}</p>
      <p className="small">
        A renewal serial number extends maintenance: enter it in <Link to="/get-a-key">Get a Key</Link>, or open the license in{' '}
        <Link to={licenses}>your {product.name} licenses</Link> and choose Renew.
      </p>
    </div>
  );
}

interface FileItemProps {
  file: DownloadFile;
  locked: boolean;
  receivedAt: number;
  refresh: ReleaseListProps['refresh'];
}

function FileItem({ file, locked, receivedAt, refresh }: FileItemProps) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const size = formatFileSize(file.size);
  const problemId = `download-problem-${file.id}`;

  // The link shown is followed as it is while it is fresh; an older one may have expired
  // (they last 5 minutes), so the page asks for a new one first.
  const onDownload = async (event: MouseEvent<HTMLAnchorElement>) => {
    setProblem(null);
    if (!linkMayHaveExpired(receivedAt, Date.now())) return;
    event.preventDefault();
    setBusy(true);
    const fresh = await refresh();
    setBusy(false);
    const current = fresh?.flatMap((release) => release.files).find((candidate) => candidate.id === file.id);
    if (!fresh) setProblem('A new download link could not be fetched. Check your connection and try again.');
    else if (!current?.downloadUrl) setProblem('This file can no longer be downloaded: it was withdrawn or your access changed.');
    else followLink(current.downloadUrl, current.name);
  };

  return (
    <li className="download-file" data-testid="download-file">
      <div className="download-file__head">
        <div className="download-file__identity">
          <p className="download-file__name mono">{file.name}</p>
          <p className="download-file__meta muted small">
            <span title={formatExactBytes(file.size)}>{size}</span> · {file.contentType}
          </p>
        </div>
        {/* A locked file has no link: the version (or platform) above says why and how to renew. */}
        {file.downloadUrl && !locked ? (
          <div className="download-file__action">
            <a
              className="button button--primary download-file__button"
              href={file.downloadUrl}
              download={file.name}
              onClick={onDownload}
              aria-busy={busy || undefined}
              aria-describedby={problem ? problemId : undefined}
            >
              {busy ? <span className="button__spinner" aria-hidden="true" /> : null}
              <span>
                Download <span className="visually-hidden">{file.name}</span> ({size})
              </span>
            </a>
          </div>
        ) : null}
      </div>
      {problem ? (
        <p className="field__error" id={problemId} role="alert">
          {problem}
        </p>
      ) : null}
      <div className="download-file__checksum">
        <span className="download-file__label" id={`sha-${file.id}`}>
          SHA-256
        </span>
        <code className="download-file__sha mono" aria-labelledby={`sha-${file.id}`} data-testid="sha256">
          {file.sha256}
        </code>
        <CopyButton text={file.sha256} label={`SHA-256 of ${file.name}`} />
      </div>
      <VerifyCommands file={file} />
    </li>
  );
}

/** The command that checks the saved file, for each system, the browser's own first. */
function VerifyCommands({ file }: { file: DownloadFile }) {
  const first = guessVerifySystem(typeof navigator === 'undefined' ? null : navigator.userAgent);
  const systems = [...VERIFY_SYSTEMS].sort((a, b) => Number(b.id === first) - Number(a.id === first));
  return (
    <details className="download-file__verify">
      <summary>Check the file after downloading</summary>
      <p className="small muted">
        Run the command in the folder you saved {file.name} to ({formatExactBytes(file.size)}). It prints{' '}
        <code>{verifyAnswer('LINUX', file.name)}</code> (on Windows <code>True</code>) when the file is exactly the one published.
      </p>
      <dl className="verify-commands">
        {systems.map((system) => {
          const command = verifyCommand(system.id, file.name, file.sha256);
          return (
            <div key={system.id} className="verify-commands__item">
              <dt>
                {system.label} <span className="muted small">({system.shell})</span>
              </dt>
              <dd>
                <code className="verify-commands__command mono">{command}</code>
                <CopyButton text={command} label={`${system.label} command to check ${file.name}`} />
              </dd>
            </div>
          );
        })}
      </dl>
    </details>
  );
}
