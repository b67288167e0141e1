/** The portal's mark: a key inside a rounded square. */
export function Logo({ size = 28 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" focusable="false" className="logo">
      <rect width="32" height="32" rx="8" fill="var(--color-primary)" />
      <circle cx="12" cy="16" r="5" fill="none" stroke="#fff" strokeWidth="2.5" />
      <path d="M17 16h9m-3 0v4m-3-4v3" fill="none" stroke="#fff" strokeWidth="2.5" strokeLinecap="round" />
    </svg>
  );
}
