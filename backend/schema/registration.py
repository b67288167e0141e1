"""Support registration types and inputs (shared by every wizard that asks for one)."""

from __future__ import annotations

import dataclasses
from typing import Any

import strawberry


@strawberry.type
class Address:
    line1: str
    line2: str | None
    city: str
    postal_code: str
    country: str


@strawberry.type
class Contact:
    name: str
    email: str
    phone: str | None


@strawberry.type
class SupportRegistration:
    company: str
    address: Address
    technical_contact: Contact
    primary_contact: Contact

    @classmethod
    def from_data(cls, data: dict[str, Any] | None) -> SupportRegistration | None:
        if not data:
            return None
        a = data["address"]
        return cls(
            company=data["company"],
            address=Address(
                line1=a["line1"],
                line2=a.get("line2"),
                city=a["city"],
                postal_code=a["postalCode"],
                country=a["country"],
            ),
            technical_contact=Contact(**data["technicalContact"]),
            primary_contact=Contact(**data["primaryContact"]),
        )


@strawberry.input
class AddressInput:
    line1: str
    city: str
    postal_code: str
    country: str
    line2: str | None = None


@strawberry.input
class ContactInput:
    name: str
    email: str
    phone: str | None = None


@strawberry.input
class RegistrationInput:
    company: str
    address: AddressInput
    technical_contact: ContactInput
    primary_contact: ContactInput

    def to_data(self) -> dict[str, Any]:
        """Plain dict with the API's field names, as the domain validates and stores it."""
        address = dataclasses.asdict(self.address)
        address["postalCode"] = address.pop("postal_code")
        return {
            "company": self.company,
            "address": address,
            "technicalContact": dataclasses.asdict(self.technical_contact),
            "primaryContact": dataclasses.asdict(self.primary_contact),
        }
