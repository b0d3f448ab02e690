import datetime
from zoneinfo import ZoneInfo

import pytest

from courses.models import CourseCompletion, ModuleCompletion
from courses.services import CompletionError, module_complete
from lms.factories import UserFactory

TOKYO = ZoneInfo("Asia/Tokyo")


def at(*args):
    return datetime.datetime(*args, tzinfo=TOKYO)


def test_completing_a_module_records_it_once(make_course, learner):
    _, _, (module, *_) = make_course()

    first = module_complete(user=learner, module=module)
    second = module_complete(user=learner, module=module)

    assert first.created is True
    assert second.created is False
    assert second.module_completion.pk == first.module_completion.pk
    assert ModuleCompletion.objects.filter(user=learner, module=module).count() == 1


def test_course_is_completed_when_its_last_module_is(make_course, learner):
    _, course, modules = make_course(modules=3)

    results = [module_complete(user=learner, module=m) for m in modules]

    assert [r.course_completed_now for r in results] == [False, False, True]
    assert CourseCompletion.objects.filter(user=learner, course=course).count() == 1


def test_draft_modules_do_not_count_towards_course_completion(make_course, learner):
    _, course, modules = make_course(modules=3)
    modules[2].unpublish()

    module_complete(user=learner, module=modules[0])
    result = module_complete(user=learner, module=modules[1])

    assert result.course_completed_now is True


def test_a_draft_module_cannot_be_completed(make_course, learner):
    _, _, (module, *_) = make_course()
    module.unpublish()
    module.refresh_from_db()

    with pytest.raises(CompletionError):
        module_complete(user=learner, module=module)
    assert not ModuleCompletion.objects.exists()


def test_completions_of_one_learner_do_not_complete_the_course_for_another(make_course, learner):
    _, course, modules = make_course(modules=2)
    other = UserFactory()
    module_complete(user=other, module=modules[0])

    result = module_complete(user=learner, module=modules[1])

    assert result.course_completed_now is False
    assert not CourseCompletion.objects.filter(user=learner).exists()


@pytest.mark.parametrize(
    ("annual", "expected_cycles"),
    [(True, [2025, 2026]), (False, [0])],
)
def test_annual_courses_are_completed_again_each_fiscal_year(
    make_course, learner, annual, expected_cycles
):
    _, course, (module,) = make_course(modules=1, annual=annual)

    # 31 March (fiscal 2025) late evening, then 1 April (fiscal 2026) just after midnight, JST.
    module_complete(user=learner, module=module, at=at(2026, 3, 31, 23, 30))
    module_complete(user=learner, module=module, at=at(2026, 4, 1, 0, 30))

    cycles = list(
        ModuleCompletion.objects.filter(user=learner)
        .order_by("cycle")
        .values_list("cycle", flat=True)
    )
    assert cycles == expected_cycles
    assert (
        sorted(
            CourseCompletion.objects.filter(user=learner, course=course).values_list(
                "cycle", flat=True
            )
        )
        == expected_cycles
    )


def test_fiscal_year_is_taken_in_tokyo_time_not_utc(make_course, learner):
    _, _, (module,) = make_course(modules=1, annual=True)

    # 2026-03-31 16:30 UTC is already 1 April 01:30 in Tokyo: fiscal 2026.
    result = module_complete(
        user=learner,
        module=module,
        at=datetime.datetime(2026, 3, 31, 16, 30, tzinfo=datetime.UTC),
    )

    assert result.module_completion.cycle == 2026
