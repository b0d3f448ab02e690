from django.urls import register_converter


class IdConverter:
    """A database id in a URL: 1–18 digits, so a huge number is a 404, not a database error."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


class YearConverter(IdConverter):
    """A (fiscal) year in a URL: four digits."""

    regex = "[0-9]{4}"


def register() -> None:
    register_converter(IdConverter, "id")
    register_converter(YearConverter, "year")
