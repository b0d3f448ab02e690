import datetime

import pytest

from lms.factories import MembershipFactory, UserFactory


@pytest.fixture
def leaver(departments, positions):
    """A former member of staff whose last post ended on 31 March 2020."""
    user = UserFactory(staff_number="9900", family_name="退職", is_active=False)
    MembershipFactory(
        user=user,
        department=departments["mado"],
        position=positions["shuji"],
        valid_from=datetime.date(2015, 4, 1),
        valid_to=datetime.date(2020, 3, 31),
    )
    return user
