"""The text of the mails the portal sends about keys."""

from __future__ import annotations

from backend.db.models import KeyRequest, License, LicenseKey, Product


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
