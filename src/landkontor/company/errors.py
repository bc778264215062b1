"""Errors of the company master data."""

from landkontor.errors import Conflict, FieldError, InvalidInput


class CompanyDataMissing(Conflict):
    """Documents cannot be issued while the company lacks what they must carry (409)."""

    code = "company-data-missing"
    title = "Company data missing"

    def __init__(self, missing: list[tuple[str, str]]) -> None:
        names = ", ".join(field for field, _ in missing)
        super().__init__(
            f"the company master data (/api/v1/company) lack what every invoice must carry: "
            f"{names}",
            errors=[FieldError(f"company.{field}", why, self.code) for field, why in missing],
        )


class UnsupportedLogo(InvalidInput):
    code = "unsupported-logo"
    title = "Unsupported logo"
