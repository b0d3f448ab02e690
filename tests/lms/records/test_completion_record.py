import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from courses.fiscal import fiscal_year_of, local_today
from courses.models import CourseCompletion
from courses.services import module_complete
from lms.audit import Actor
from lms.models import AuditEvent
from lms.records.services import completion_record

pytestmark = pytest.mark.django_db


def at(days_ago=1, hour=10):
    day = local_today() - datetime.timedelta(days=days_ago)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def record(by, person, course, *, organization=None, when=None, reason="集合研修に出席", **extra):
    return completion_record(
        by=Actor(user=by),
        person=person,
        organization=organization or by.organization,
        course_id=course.pk,
        completed_at=when or at(),
        reason=reason,
        **extra,
    )


def message_of(error: ValidationError) -> str:
    return " ".join(m for messages in error.message_dict.values() for m in messages)


def test_hr_records_a_completion_the_reports_read(people, courses):
    completion = record(people["hr"], people["outsider"], courses["one_off"])

    stored = CourseCompletion.objects.get(user=people["outsider"], course=courses["one_off"])
    assert stored == completion
    assert (stored.source, stored.cycle, stored.recorded_by) == ("recorded", 0, people["hr"])
    assert stored.completed_at == at() and stored.recorded_at is not None
    event = AuditEvent.objects.get(action=AuditEvent.Action.COMPLETION_RECORDED)
    assert (event.actor, event.subject_id) == (people["hr"], people["outsider"].pk)
    assert event.detail["reason"] == "集合研修に出席"


def test_an_annual_course_is_recorded_for_the_fiscal_year_of_its_date(people, courses):
    completion = record(people["hr"], people["member"], courses["annual"])

    assert completion.cycle == fiscal_year_of(local_today() - datetime.timedelta(days=1))


def test_a_head_records_for_their_department(people, courses):
    completion = record(people["head"], people["member"], courses["one_off"])

    assert completion.recorded_by == people["head"]


@pytest.mark.parametrize(
    ("actor", "subject"),
    [
        ("head", "outsider"),  # 人事係 is not under 住民課
        ("staff", "member"),
        ("member", "member"),  # nobody records their own
        ("hr", "hr"),
    ],
)
def test_who_may_not_record(people, courses, actor, subject):
    with pytest.raises(PermissionDenied):
        record(people[actor], people[subject], courses["one_off"])

    assert not CourseCompletion.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.COMPLETION_RECORDED).exists()


def test_hr_may_not_record_for_another_towns_person(people, courses, neighbour):
    with pytest.raises(PermissionDenied):
        record(people["hr"], neighbour["member"], courses["one_off"])
    with pytest.raises(PermissionDenied):
        record(neighbour["hr"], people["member"], neighbour["course"])

    assert not CourseCompletion.objects.exists()


def test_a_course_outside_the_towns_tracks_is_refused(people, neighbour):
    with pytest.raises(ValidationError) as error:
        record(people["hr"], people["member"], neighbour["course"])

    assert "この団体の研修トラックにありません" in message_of(error.value)
    assert not CourseCompletion.objects.exists()


@pytest.mark.parametrize(
    "when",
    [
        lambda: at(days_ago=-1),  # tomorrow
        lambda: timezone.now() + datetime.timedelta(minutes=5),  # later today
    ],
)
def test_a_future_date_is_refused(people, courses, when):
    with pytest.raises(ValidationError) as error:
        record(people["hr"], people["member"], courses["one_off"], when=when())

    assert "未来" in message_of(error.value)
    assert not CourseCompletion.objects.exists()


def test_a_second_completion_for_the_same_cycle_is_refused(people, courses):
    record(people["hr"], people["member"], courses["one_off"])

    with pytest.raises(ValidationError) as error:
        record(people["head"], people["member"], courses["one_off"], when=at(days_ago=3))

    assert "既に修了しています" in message_of(error.value)
    assert CourseCompletion.objects.count() == 1


def test_a_course_learned_online_is_not_recorded_again(people, courses):
    module = courses["one_off"].get_children().specific().first()
    module_complete(user=people["member"], module=module)

    with pytest.raises(ValidationError):
        record(people["hr"], people["member"], courses["one_off"])

    assert CourseCompletion.objects.get().source == "online"


def test_an_annual_course_may_be_recorded_again_in_another_year(people, courses):
    last_year = local_today().replace(year=local_today().year - 1) - datetime.timedelta(days=1)
    earlier = timezone.make_aware(datetime.datetime.combine(last_year, datetime.time(9)))
    record(people["hr"], people["member"], courses["annual"], when=earlier)
    record(people["hr"], people["member"], courses["annual"])

    assert CourseCompletion.objects.filter(course=courses["annual"]).count() == 2


def test_a_reason_is_required(people, courses):
    with pytest.raises(ValidationError) as error:
        record(people["hr"], people["member"], courses["one_off"], reason="  ")

    assert "理由" in message_of(error.value)


def test_evidence_is_kept_in_private_storage(people, courses):
    completion = record(
        people["hr"],
        people["member"],
        courses["one_off"],
        evidence=SimpleUploadedFile("外部研修 修了証.pdf", b"%PDF-1.7 certificate"),
    )

    assert completion.evidence.storage is storages["private"]
    assert completion.evidence.name.startswith("completions/")
    assert completion.evidence.read() == b"%PDF-1.7 certificate"


def test_evidence_that_is_not_a_pdf_or_image_is_refused(people, courses):
    with pytest.raises(ValidationError) as error:
        record(
            people["hr"],
            people["member"],
            courses["one_off"],
            evidence=SimpleUploadedFile("evil.pdf", b"<html><script>"),
        )

    assert "PDF" in message_of(error.value)
    assert not CourseCompletion.objects.exists()


def test_a_renewal_course_is_recorded_as_the_next_round_and_never_back_dated(people, courses):
    from courses.models import CoursePage

    course = courses["one_off"]
    CoursePage.objects.filter(pk=course.pk).update(validity_months=12)
    course.refresh_from_db()
    first = record(people["hr"], people["member"], course, when=at(days_ago=400))
    second = record(people["hr"], people["member"], course, when=at(days_ago=20))
    assert (first.cycle, second.cycle) == (0, 1)

    # Dated before (or at) the latest stored completion: refused, nothing stored.
    for days_ago in (30, 20):
        with pytest.raises(ValidationError) as error:
            record(people["head"], people["member"], course, when=at(days_ago=days_ago))
        assert "最新の修了より後" in message_of(error.value)
    assert CourseCompletion.objects.filter(course=course).count() == 2
