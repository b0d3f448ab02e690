"""Certificate numbers: random, with a check character that catches typing mistakes."""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms.certificates import numbers

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def luhn_mod_n_valid(text: str) -> bool:
    """Luhn mod N validation as published (from the right, doubling every second
    character's value and adding the base-N digits), written apart from the code."""
    total = 0
    for position, char in enumerate(reversed(text)):
        value = ALPHABET.index(char) * (2 if position % 2 else 1)
        total += value // 32 + value % 32
    return total % 32 == 0


def test_new_numbers_are_16_characters_of_the_alphabet_and_check():
    made = {numbers.new_number() for _ in range(200)}
    assert len(made) == 200  # random: no two alike
    for number in made:
        assert len(number) == 16 and set(number) <= set(ALPHABET)
        assert luhn_mod_n_valid(number)
        assert numbers.normalise(number) == number


@given(st.text(alphabet=ALPHABET, min_size=15, max_size=15))
def test_every_single_wrong_character_is_refused(body):
    number = body + numbers.check_character(body)
    assert luhn_mod_n_valid(number)
    for index, char in itertools.product(range(16), ALPHABET):
        if char != number[index]:
            altered = number[:index] + char + number[index + 1 :]
            assert not numbers.is_valid(altered)


@given(st.text(alphabet=ALPHABET, min_size=15, max_size=15))
def test_swapping_two_neighbours_is_refused(body):
    number = body + numbers.check_character(body)
    for index in range(15):
        a, b = number[index], number[index + 1]
        if a != b and {a, b} != {"0", "Z"}:  # 0 and Z (0 and 31) swap unseen, as in Luhn
            swapped = number[:index] + b + a + number[index + 2 :]
            assert not numbers.is_valid(swapped)


def test_what_people_type_is_read_forgivingly():
    number = numbers.new_number()
    shown = numbers.display(number)
    assert shown.count("-") == 3 and shown.replace("-", "") == number
    full_width = shown.lower().translate(
        {ord(c): ord(c) + 0xFEE0 for c in "0123456789abcdefghijklmnopqrstuvwxyz-"}
    )
    assert numbers.normalise(full_width) == number
    assert numbers.normalise(" " + shown.lower() + " ") == number


@pytest.mark.parametrize("text", ["", "ABC", "<script>", "7KQ4-M2XD-9HTW-R3N", "U" * 16])
def test_malformed_text_is_not_a_number(text):
    with pytest.raises(numbers.InvalidNumber):
        numbers.normalise(text)
