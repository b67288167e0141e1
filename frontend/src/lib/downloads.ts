/** Helpers of the Downloads page: file sizes, checksum commands, link freshness, grouping releases by version. */

function locale(): string | undefined {
  return typeof navigator === 'undefined' ? undefined : navigator.language;
}

const UNITS = ['bytes', 'KB', 'MB', 'GB', 'TB'] as const;

/**
 * "412.5 MB", "2.1 GB", "830 bytes": decimal units (1 MB = 1,000,000 bytes), as
 * macOS, most browsers' download lists and the vendors' portals count them.
 * Three significant figures at most, never "1000 KB".
 */
export function formatFileSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  if (bytes < 1000) return `${new Intl.NumberFormat(locale()).format(bytes)} ${bytes === 1 ? 'byte' : 'bytes'}`;
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  // 999.95 KB would round to "1,000 KB": show it as the next unit.
  if (Number(value.toPrecision(3)) >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  const text = new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(Number(value.toFixed(digits)));
  return `${text} ${UNITS[unit]}`;
}

/** "432,537,600 bytes": the exact size, for the checksum section. */
export function formatExactBytes(bytes: number): string {
  return `${new Intl.NumberFormat(locale()).format(bytes)} ${bytes === 1 ? 'byte' : 'bytes'}`;
}

export type VerifySystem = 'WINDOWS' | 'MACOS' | 'LINUX';

export const VERIFY_SYSTEMS: readonly { id: VerifySystem; label: string; shell: string }[] = [
  { id: 'WINDOWS', label: 'Windows', shell: 'PowerShell' },
  { id: 'MACOS', label: 'macOS', shell: 'Terminal' },
  { id: 'LINUX', label: 'Linux', shell: 'a shell' },
];

/** The system the browser runs on, to show its command first; Linux where it cannot be told. */
export function guessVerifySystem(userAgent: string | null | undefined): VerifySystem {
  const ua = userAgent ?? '';
  if (/Windows/.test(ua)) return 'WINDOWS';
  if (/Mac OS X|Macintosh|iPhone|iPad/.test(ua)) return 'MACOS';
  return 'LINUX';
}

/** A word for POSIX shells in single quotes: a quote inside becomes '\''. */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A PowerShell literal string: a quote inside is doubled. */
function powerShellQuote(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * The command that checks a downloaded file against its SHA-256, run in the folder
 * the file was saved to. Each one answers for itself — "OK" / "True" — so nobody has
 * to compare 64 hex digits by eye:
 * - Linux: `echo '<sha256>  <name>' | sha256sum --check`
 * - macOS: `echo '<sha256>  <name>' | shasum -a 256 --check`
 * - Windows PowerShell: `(Get-FileHash -Algorithm SHA256 -LiteralPath '<name>').Hash -eq '<SHA256>'`
 */
export function verifyCommand(system: VerifySystem, fileName: string, sha256: string): string {
  const hex = sha256.trim().toLowerCase();
  switch (system) {
    case 'LINUX':
      return `echo ${shellQuote(`${hex}  ${fileName}`)} | sha256sum --check`;
    case 'MACOS':
      return `echo ${shellQuote(`${hex}  ${fileName}`)} | shasum -a 256 --check`;
    case 'WINDOWS':
      // -eq compares strings without regard to case, so the lower-case digits match Get-FileHash's upper-case ones.
      return `(Get-FileHash -Algorithm SHA256 -LiteralPath ${powerShellQuote(fileName)}).Hash -eq ${powerShellQuote(hex)}`;
  }
}

/** What the command prints when the file is intact. */
export function verifyAnswer(system: VerifySystem, fileName: string): string {
  return system === 'WINDOWS' ? 'True' : `${fileName}: OK`;
}

/** Signed links live 5 minutes; one older than this is fetched anew before it is followed. */
export const LINK_FRESH_MS = 4 * 60 * 1000;

/** Whether links received at `receivedAt` (ms since the epoch) may have expired by `now`. */
export function linkMayHaveExpired(receivedAt: number, now: number): boolean {
  return now - receivedAt >= LINK_FRESH_MS;
}

interface ReleaseLike {
  id: string;
  version: string;
  platform: string;
  releasedOn: string;
  notes: string;
  lockedReason: string | null;
  product: { id: string };
}

export interface VersionGroup<R extends ReleaseLike> {
  key: string;
  productId: string;
  version: string;
  /** The newest date of its platforms' releases. */
  releasedOn: string;
  /** One text when every platform has the same notes (the usual case), else null: each platform shows its own. */
  sharedNotes: string | null;
  /** Every platform is locked for the same reason (the usual case): said once for the version. */
  sharedLockedReason: string | null;
  releases: R[];
}

/**
 * Releases (one per product, version and platform, newest first) grouped by product
 * and version, keeping the server's order: the page shows versions, and under each
 * the platforms.
 */
export function groupByVersion<R extends ReleaseLike>(releases: readonly R[]): VersionGroup<R>[] {
  const groups: VersionGroup<R>[] = [];
  const byKey = new Map<string, VersionGroup<R>>();
  for (const release of releases) {
    const key = `${release.product.id}\u0000${release.version}`;
    let group = byKey.get(key);
    if (!group) {
      group = { key, productId: release.product.id, version: release.version, releasedOn: release.releasedOn, sharedNotes: null, sharedLockedReason: null, releases: [] };
      byKey.set(key, group);
      groups.push(group);
    }
    group.releases.push(release);
    if (release.releasedOn > group.releasedOn) group.releasedOn = release.releasedOn;
  }
  for (const group of groups) {
    const notes = new Set(group.releases.map((release) => release.notes.trim()));
    group.sharedNotes = notes.size === 1 ? group.releases[0]!.notes : null;
    const reasons = new Set(group.releases.map((release) => release.lockedReason));
    group.sharedLockedReason = reasons.size === 1 ? group.releases[0]!.lockedReason : null;
  }
  return groups;
}

/** "Windows, Linux and macOS". */
export function listPlatforms(platforms: readonly string[]): string {
  if (platforms.length <= 1) return platforms.join('');
  return `${platforms.slice(0, -1).join(', ')} and ${platforms[platforms.length - 1]}`;
}

/**
 * Starts the download of a signed link without leaving the page: the server answers with
 * Content-Disposition: attachment, so the browser saves the file and the page stays.
 */
export function followLink(url: string, fileName: string): void {
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  link.style.display = 'none';
  document.body.appendChild(link);
  link.click();
  link.remove();
}

const arrivals = new WeakMap<object, number>();

/**
 * When an answer (a query result's `data`) first reached the page. A cached answer shown
 * again later keeps its first time, so its links count as old as they are.
 */
export function receivedAt(answer: object, now: number = Date.now()): number {
  const known = arrivals.get(answer);
  if (known !== undefined) return known;
  arrivals.set(answer, now);
  return now;
}

const PLATFORM_WORDS: Record<string, string> = {
  windows: 'Windows',
  win: 'Windows',
  linux: 'Linux',
  macos: 'macOS',
  mac: 'macOS',
  darwin: 'macOS',
  x64: 'x64',
  x86: 'x86',
  arm64: 'ARM64',
  aarch64: 'ARM64',
  universal: 'Universal',
};

/** "windows-x64" → "Windows x64", "macos" → "macOS"; a platform it does not know is shown as published. */
export function formatPlatform(platform: string): string {
  const words = platform.split(/[-_\s]+/).filter(Boolean);
  if (!words.length || !words.every((word) => word.toLowerCase() in PLATFORM_WORDS)) return platform;
  return words.map((word) => PLATFORM_WORDS[word.toLowerCase()]).join(' ');
}
