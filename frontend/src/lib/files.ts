/** File name for a license file: "<activationKey>.lic", with characters unsafe in file names replaced. */
export function licenseFileName(activationKey: string): string {
  const safe = activationKey.trim().replace(/[\\/:*?"<>|\s]+/g, '-');
  return `${safe || 'license'}.lic`;
}

/** Saves `content` as a file named `fileName` through a temporary object URL. */
export function downloadTextFile(fileName: string, content: string, type = 'application/octet-stream'): void {
  const blob = new Blob([content], { type });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  link.style.display = 'none';
  document.body.appendChild(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Copies `text` to the clipboard; falls back to a hidden textarea where the Clipboard API is unavailable. */
export async function copyText(text: string): Promise<void> {
  if (typeof navigator !== 'undefined' && navigator.clipboard?.writeText) {
    try {
      await navigator.clipboard.writeText(text);
      return;
    } catch {
      /* fall through to the legacy path */
    }
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  if (!ok) throw new Error('Copying is not available in this browser.');
}
