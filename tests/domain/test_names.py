import pytest

from bot.domain.names import first_name


@pytest.mark.parametrize(
    ("name", "called"),
    [
        ("Jane Doe", "Jane"),
        ("Doe, Jane", "Jane"),
        ("Doe,Jane", "Jane"),
        ("Doe, Jane Q.", "Jane"),
        ("van der Berg, Anna", "Anna"),
        ("Jane Doe, Jr.", "Jane"),
        ("Doe, Jane, PhD", "Jane"),
        ("Dr. Jane Doe", "Jane"),
        ("Doe, Dr. Jane", "Jane"),
        ("Jane", "Jane"),
        ("Doe,", "Doe"),
        ("  Zoë   Ng ", "Zoë"),
        ("Dr.", "Dr."),
        ("", None),
        (" , ", None),
    ],
)
def test_a_greeting_uses_the_given_name_however_the_directory_orders_it(
    name: str, called: str | None
) -> None:
    assert first_name(name) == called
