import type { UpgradeRequestFieldsFragment } from '../../gql/graphql';

export type UpgradeRequestData = UpgradeRequestFieldsFragment;
export type UpgradeOption = UpgradeRequestData['upgradeOptions'][number];

/** The option of the license chosen for the upgrade, if any. */
export function chosenOption(keyRequest: UpgradeRequestData): UpgradeOption | null {
  const licenseId = keyRequest.upgradeLicense?.id;
  if (!licenseId) return null;
  return keyRequest.upgradeOptions.find((option) => option.license.id === licenseId) ?? null;
}
