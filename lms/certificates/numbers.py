"""Certificate numbers: 15 random characters and a check character, e.g. 7KQ4-M2XD-9HTW-R3NB.

- *Unguessable*: the 15 characters come from ``secrets`` (75 bits), so nobody finds a
  valid number by trying; the number is stored (``Certificate.number``) and looked up,
  never derived from ids.
- *Typed by hand*: the alphabet is Crockford's base 32 (digits and capitals without I,
  L, O and U), read back forgivingly: lower case, full-width characters (NFKC), spaces
  and hyphens are accepted, O reads as 0 and I or L as 1.
- *Check character*: the Luhn mod N algorithm over that alphabet, which catches every
  single mistyped character and every swap of two neighbours (but 0 and Z, as 0 and 9 in
  the decimal Luhn), so a mistyped or altered
  number is refused as such before any lookup.
"""

import secrets
import unicodedata

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
N = len(ALPHABET)
RANDOM_LENGTH = 15
LENGTH = RANDOM_LENGTH + 1
_VALUE = {char: index for index, char in enumerate(ALPHABET)}
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


class InvalidNumber(ValueError):
    """Not a certificate number: wrong length, characters or check character."""


def check_character(body: str) -> str:
    """The Luhn mod N check character of ``body`` (characters of ``ALPHABET``)."""
    factor, total = 2, 0
    for char in reversed(body):
        addend = factor * _VALUE[char]
        total += addend // N + addend % N
        factor = 1 if factor == 2 else 2
    return ALPHABET[(N - total % N) % N]


def is_valid(number: str) -> bool:
    """Whether a normalised number's last character checks the others."""
    return (
        len(number) == LENGTH
        and all(char in _VALUE for char in number)
        and check_character(number[:-1]) == number[-1]
    )


def new_number() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return body + check_character(body)


def normalise(text: str) -> str:
    """The number as stored (16 characters, no hyphens), from what someone typed.

    Raises ``InvalidNumber`` for anything that is not a valid number."""
    text = unicodedata.normalize("NFKC", text or "").upper()
    for separator in (" ", "-", "\N{KATAKANA-HIRAGANA PROLONGED SOUND MARK}", "\u2010", "\u2212"):
        text = text.replace(separator, "")
    text = text.translate(_READ_AS)
    if not is_valid(text):
        raise InvalidNumber(text)
    return text


def display(number: str) -> str:
    """In groups of four: 7KQ4-M2XD-9HTW-R3NB."""
    return "-".join(number[i : i + 4] for i in range(0, len(number), 4))
