"""The text of the portal's longer mails — keys, upgrade notifications, maintenance reminders —
as functions of what they describe. One-line notices stay beside the step that sends them."""

from __future__ import annotations

from backend.db.models import KeyRequest, License, LicenseKey, Product, UpgradeNotification


def keys_mail(request: KeyRequest, issued: list[tuple[License, Product, LicenseKey]], public_url: str) -> str:
    name = request.registration["technicalContact"]["name"] if request.registration else ""
    lines = [f"Hello {name},", "", "the license keys you requested are ready.", ""]
    for license_, product, key in issued:
        lines += [
            f"{product.name} {product.version} — {license_.quantity} seat(s), maintenance until "
            f"{license_.maintenance_until.isoformat()}" + (f", host {key.host_id}" if key.host_id else ""),
            f"  Activation key: {key.activation_key}",
            f"  License file ({key.activation_key}.lic):",
            f"  {key.license_file}",
            "",
        ]
    lines.append(f"You can also download them at {public_url}/licenses")
    return "\n".join(lines) + "\n"


def upgrade_mail(
    notification: UpgradeNotification,
    licenses: list[License],
    source: Product,
    target: Product,
    public_url: str,
) -> str:
    seats = sum(lic.quantity for lic in licenses)
    return (
        f"{target.name} {target.version} is available, and your maintenance entitles you to it.\n\n"
        f"Notification ID: {notification.code}\n"
        f"Eligible: {seats} seat(s) of {source.name} {source.version} on {len(licenses)} license(s).\n"
        f"Valid until: {notification.expires_at.date().isoformat()}\n\n"
        f"Get your new keys at {public_url}/version-upgrade — enter the notification ID above.\n"
    )


def reminder_mail(name: str, license_: License, product: Product, days: int, public_url: str) -> str:
    return (
        f"Hello {name},\n\n"
        f"maintenance of your {product.name} {product.version} license ({license_.quantity} seat(s)) ends on "
        f"{license_.maintenance_until.isoformat()}, in {days} day(s).\n\n"
        "Renew it in time to keep receiving updates and support: enter the renewal serial number in "
        f"Get a Key at {public_url}/get-a-key\n\n"
        f"Your licenses: {public_url}/licenses\n"
    )
