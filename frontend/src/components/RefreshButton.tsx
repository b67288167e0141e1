/** "Refresh" in a page's actions: reads the page's data again; off while a read is under way. */
export function RefreshButton({ onRefresh, busy }: { onRefresh: () => void; busy: boolean }) {
  return (
    <button type="button" className="button button--ghost button--small" onClick={onRefresh} disabled={busy}>
      Refresh
    </button>
  );
}
