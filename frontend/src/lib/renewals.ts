export interface RenewalCandidateLike {
  serialNumber: string;
  licenses: readonly { id: string }[];
}

export interface RenewalLike {
  serialNumber: string;
  license: { id: string };
}

export interface RenewalTarget {
  serialNumber: string;
  licenseId: string;
}

/** Serial number → chosen license id ('' while none is chosen). */
export type RenewalChoices = Record<string, string>;

/**
 * The license preselected for each renewal serial: the one already chosen on
 * the server, else `preferredLicenseId` (the license the user clicked "Renew"
 * on) when it is a candidate, else the only candidate; nothing otherwise.
 */
export function initialRenewalChoices(
  candidates: readonly RenewalCandidateLike[],
  renewals: readonly RenewalLike[],
  preferredLicenseId: string | null = null,
): RenewalChoices {
  const choices: RenewalChoices = {};
  for (const candidate of candidates) {
    const ids = candidate.licenses.map((license) => license.id);
    const saved = renewals.find((r) => r.serialNumber === candidate.serialNumber)?.license.id;
    if (saved && ids.includes(saved)) choices[candidate.serialNumber] = saved;
    else if (preferredLicenseId && ids.includes(preferredLicenseId)) choices[candidate.serialNumber] = preferredLicenseId;
    else if (ids.length === 1) choices[candidate.serialNumber] = ids[0]!;
    else choices[candidate.serialNumber] = '';
  }
  return choices;
}

/** The renewals to send, in candidate order, and the serials that still lack a license. */
export function renewalTargets(
  candidates: readonly RenewalCandidateLike[],
  choices: RenewalChoices,
): { targets: RenewalTarget[]; missing: string[] } {
  const targets: RenewalTarget[] = [];
  const missing: string[] = [];
  for (const candidate of candidates) {
    const licenseId = choices[candidate.serialNumber] ?? '';
    if (licenseId) targets.push({ serialNumber: candidate.serialNumber, licenseId });
    else missing.push(candidate.serialNumber);
  }
  return { targets, missing };
}

/**
 * Places errors for "renewals.<index>.licenseId" (or "renewals.<index>") on the
 * serial that was sent at that index. Returns the placed errors by serial
 * number and the messages that name no sent renewal.
 */
export function renewalErrorsBySerial(
  errors: Record<string, string>,
  sent: readonly RenewalTarget[],
): { bySerial: Record<string, string>; other: string[] } {
  const bySerial: Record<string, string> = {};
  const other: string[] = [];
  for (const [field, message] of Object.entries(errors)) {
    const match = /^renewals\.(\d+)(?:\.licenseId)?$/.exec(field);
    const serial = match ? sent[Number(match[1])]?.serialNumber : undefined;
    if (serial) bySerial[serial] = bySerial[serial] ? `${bySerial[serial]} ${message}` : message;
    else other.push(message);
  }
  return { bySerial, other };
}
