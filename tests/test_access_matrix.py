"""The access matrix (issue 14): every route of the site, requested as every role of town A,
with objects of town A and of town B, against the expectations in tests/access_table.py.

- ``test_every_route_has_an_entry``: a route (or unnamed pattern) that no entry of the
  table covers fails, so a new screen cannot ship unchecked; so does a path argument with
  no kind of object, and an entry that no longer matches any route.
- ``test_the_access_matrix``: one database set-up, then a GET of every concrete URL as
  each role; every mismatch is collected and reported at once (route, role, town,
  expected, got). Known leaks that other branches fix are listed in the table and must
  still fail (strict): one that starts passing has to be taken off the list.
- ``test_the_matrix_sees_a_leak``, ``test_known_leaks_are_strict``: the checks can fail.

Hand-written access tests (tests/lms/people/test_access.py and others) stay: they check
the details (audit rows, message texts, which department a head sees).
"""

from __future__ import annotations

import datetime
import os
import time
from http import HTTPStatus

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone
from taggit.models import Tag
from wagtail.models import (
    Collection,
    CollectionViewRestriction,
    Page,
    PageViewRestriction,
    Site,
    Task,
    Workflow,
)
from wagtail_factories import DocumentFactory, ImageFactory

from assessments.factories import (
    QuestionBankFactory,
    QuestionFactory,
    QuizFactory,
    SkillCheckBankFactory,
)
from assessments.models import Quiz, SkillArea
from assessments.services import attempt_start
from content.models import GlossaryTerm
from courses.factories import (
    CoursePageFactory,
    LearningHomePageFactory,
    ModulePageFactory,
    TrackPageFactory,
)
from courses.services import module_complete
from lms.audit import Actor, audit_record
from lms.certificates.services import certificate_issue
from lms.factories import TrackAssignmentFactory, UserFactory
from lms.models import (
    AuditEvent,
    CalendarFeed,
    Exemption,
    Organization,
    OutgoingMail,
    ReportRun,
)
from lms.people.authoring import (
    APPROVAL_TASK_NAME,
    WORKFLOW_NAME,
    authoring_setup,
    track_editor_assign,
)
from lms.people.roles import Role
from lms.records.services import completion_record
from lms.reporting.runs import report_build, report_request
from lms.sessions.services import session_create
from tests import access_matrix as matrix
from tests import access_table as table

AS_OF = datetime.date(2026, 11, 28)
# ACCESS_MATRIX_DUMP=file: every response's Location and the slowest routes, for debugging.
DUMP_TO = os.environ.get("ACCESS_MATRIX_DUMP")


# ---------------------------------------------------------------------------------------
# Every route has an entry


def test_every_route_has_an_entry():
    problems = []
    covered_keys = set()
    for route in matrix.all_routes():
        entry = matrix.entry_for(route)
        if entry is None:
            problems.append(f"no entry for route {route.key!r} ({route.pattern})")
            continue
        covered_keys.add(route.key if route.key in table.ENTRIES else entry.key)
        if entry.shadowed_by:
            answered_by = resolve(reverse(route.name))
            if answered_by.route != entry.shadowed_by:
                problems.append(f"{route.key} is not shadowed by {entry.shadowed_by}")
            continue
        if entry.example:
            continue
        for param in route.params:
            kind = entry.args.get(param)
            if kind is None:
                problems.append(f"{route.key}: path argument {param!r} has no kind of object")
            elif kind not in table.KINDS:
                problems.append(f"{route.key}: unknown kind {kind!r} for {param!r}")
    for key, entry in table.ENTRIES.items():
        if key not in covered_keys:
            problems.append(f"entry {key!r} matches no route (stale: remove it)")
        problems.extend(f"{key}: {p}" for p in entry.problems())
    for key, entry in table.PATTERN_ENTRIES.items():
        if key not in covered_keys:
            problems.append(f"pattern entry {key!r} matches no route (stale: remove it)")
        if any(key.startswith(ours) for ours in table.OUR_NAMESPACES):
            problems.append(f"{key}: our own routes need exact entries, not a pattern")
        problems.extend(f"{key}: {p}" for p in entry.problems())
    assert not problems, "The access table is incomplete:\n" + "\n".join(problems)


def test_a_new_screen_of_ours_has_no_entry_until_it_is_given_one():
    def route(name):
        return matrix.Route(name=name, pattern="x/", named_params=(), positional=0)

    assert matrix.entry_for(route("lms:a_new_screen")) is None
    assert matrix.entry_for(route("department:a_new_view")) is None
    assert matrix.entry_for(route("wagtailsnippets_assessments_quiz:a_new_view")) is None
    # Wagtail's own namespaces may be covered by a pattern, with its reason.
    assert matrix.entry_for(route("wagtailimages:a_new_view")).key == "wagtailimages:*"
    assert matrix.entry_for(route("lms:mypage")).key == "lms:mypage"


# ---------------------------------------------------------------------------------------
# Two towns, one person per role of town A, objects of every kind in both towns


def _built_report(organization):
    run = report_request(
        organization=organization, kind=ReportRun.Kind.HR_COMPLETION, as_of=AS_OF, trigger="command"
    ).run
    return report_build(run_id=run.pk)


def _town_content(home):
    track = TrackPageFactory(parent=home)
    course = CoursePageFactory(parent=track)
    module = ModulePageFactory(parent=course)
    module.save_revision()
    return track, course, module


def _recorded_completion(subject, track, hr):
    """A completion of another course of the town's track, recorded by the town's HR with
    an evidence file (``completion_record``)."""
    course = CoursePageFactory(parent=track, title="外部研修")
    return completion_record(
        by=Actor(user=hr),
        person=subject,
        organization=subject.organization,
        course_id=course.pk,
        completed_at=timezone.now() - datetime.timedelta(days=1),
        reason="外部研修を受講",
        evidence=SimpleUploadedFile("certificate.pdf", b"%PDF-1.4 evidence"),
    )


def _training_session(organization, course, organiser, hr):
    """A session of the town's course tomorrow, created by its HR (``session_create``)."""
    start = timezone.now() + datetime.timedelta(days=1)
    return session_create(
        by=Actor(user=hr),
        organization=organization,
        title="情報セキュリティ集合研修",
        course=course,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        place="本庁舎 大会議室",
        capacity=10,
        organiser=organiser,
        minutes=120,
    ).pk


# What the admin names quiz content by (titles; a question's first 60 characters): IT
# policy's skill check, its bank and question, and the DX leader's track's.
SKILL_LABELS = ("診断用XQの問題集", "診断用XQの問題", "診断用XQの確認テスト")
TRACK_LABELS = ("窓口TQの問題集", "窓口TQの問題", "窓口TQの確認テスト")


@pytest.fixture
def world(organization, departments, other_town, positions, make_staff, learning_home):
    """Town A (テスト町, ``organization``) with one person per role and town B (となり町,
    ``other_town``); each town has its own Wagtail site and learning home (authoring set up
    on both, as ``setup_authoring`` does), a member of staff whose data is asked for, a
    report, an audit event, a track assignment, attempts and pages."""
    town_b = other_town["organization"]
    default_site = Site.objects.get(is_default_site=True)
    organization.site = default_site
    organization.save()
    home_b = LearningHomePageFactory(
        parent=Page.get_first_root_node(), title="となり町の学習", slug="tonari"
    )
    town_b.site = Site.objects.create(hostname="tonari.example", root_page=home_b)
    town_b.save()
    authoring_setup(home=learning_home)
    authoring_setup(home=home_b)

    people = {
        table.STAFF: make_staff("mado", staff_number="A-staff"),
        table.HEAD: make_staff("jumin", "kacho", roles=[Role.DEPT_HEAD], staff_number="A-head"),
        table.HR: make_staff("jinji", roles=[Role.HR], staff_number="A-hr"),
        table.IT_POLICY: make_staff("somu", roles=[Role.IT_POLICY], staff_number="A-itp"),
        table.DX_LEADER: make_staff("mado", roles=[Role.DX_LEADER], staff_number="A-dxl"),
        table.ADMIN: make_staff("somu", roles=[Role.ADMIN], staff_number="A-admin"),
    }
    operator = UserFactory(staff_number="0001", is_superuser=True, is_staff=True)
    TOTP.activate(operator, generate_totp_secret())
    people[table.OPERATOR] = operator

    subject_a = make_staff("mado", staff_number="A-subject", email="subject-a@test.example")
    subject_b = make_staff(other_town["jumin"], staff_number="B-subject", email="b@b.example")
    hr_b = make_staff(other_town["somu"], roles=[Role.HR], staff_number="B-hr")

    track_a, course_a, module_a = _town_content(learning_home)
    track_b, course_b, module_b = _town_content(home_b)
    track_editor_assign(track=track_a, user=people[table.DX_LEADER], actor=Actor())
    # Quiz content, published: IT policy's skill check (its bank and question), and the
    # module quiz, bank and question of the DX leader's own track (track A).
    skill_bank = SkillCheckBankFactory(title=SKILL_LABELS[0])
    skill_question = QuestionFactory(bank=skill_bank, text=SKILL_LABELS[1] + "を選んでください。")
    skill_check = QuizFactory(
        kind=Quiz.Kind.SKILL_CHECK, title=SKILL_LABELS[2], questions=[skill_question]
    )
    track_bank = QuestionBankFactory(slug="track-a-bank", title=TRACK_LABELS[0], track=track_a)
    track_question = QuestionFactory(bank=track_bank, text=TRACK_LABELS[1] + "を選んでください。")
    module_quiz = QuizFactory(track=track_a, title=TRACK_LABELS[2], questions=[track_question])
    reviewed = {
        "skill_check": skill_check,
        "quiz": module_quiz,
        "question": skill_question,
        "track_question": track_question,
        "question_bank": skill_bank,
        "track_bank": track_bank,
    }
    assert set(reviewed) == set(table.REVIEWED_KINDS)
    for content in reviewed.values():
        content.save_revision(user=people[table.IT_POLICY]).publish(user=people[table.IT_POLICY])
    restricted_a = TrackPageFactory(parent=learning_home, title="合言葉の研修")
    restricted_b = TrackPageFactory(parent=home_b, title="合言葉の研修")
    page_restriction_a = PageViewRestriction.objects.create(
        page=restricted_a, restriction_type=PageViewRestriction.PASSWORD, password="x"
    )
    page_restriction_b = PageViewRestriction.objects.create(
        page=restricted_b, restriction_type=PageViewRestriction.PASSWORD, password="x"
    )

    def attempts(user, module):
        return (
            attempt_start(user=user, quiz=skill_check),
            attempt_start(user=user, quiz=module_quiz, context=f"module:{module.id}"),
        )

    skill_attempt_a, module_attempt_a = attempts(people[table.STAFF], module_a)
    skill_attempt_b, module_attempt_b = attempts(subject_b, module_b)

    # Assigned to everyone, due 30 September: the reports (as of 28 November) name the overdue.
    assignment_a = TrackAssignmentFactory(
        organization=organization, track=track_a, applies_to_all=True
    )
    assignment_b = TrackAssignmentFactory(organization=town_b, track=track_b, applies_to_all=True)
    run_a, run_b = _built_report(organization), _built_report(town_b)
    assert subject_a.staff_number in str(run_a.summary)
    # Each town's member of staff is exempt from their town's track (after the reports).
    exemption_a, exemption_b = (
        Exemption.objects.create(
            organization=owner,
            user=subject,
            track=track,
            starts_on=datetime.date(2026, 4, 1),
            reason=Exemption.Reason.CHILDCARE_LEAVE,
        )
        for owner, subject, track in (
            (organization, subject_a, track_a),
            (town_b, subject_b, track_b),
        )
    )
    # Each town's member of staff completed their town's course and has its 修了証.
    for subject, module in ((subject_a, module_a), (subject_b, module_b)):
        module_complete(user=subject, module=module)
    certificate_a, _ = certificate_issue(user=subject_a, page_id=course_a.pk, cycle=0, by=Actor())
    certificate_b, _ = certificate_issue(user=subject_b, page_id=course_b.pk, cycle=0, by=Actor())
    # Each town's course has a module that asks for attestation (added after the completions).
    attestation_a, attestation_b = (
        ModulePageFactory(parent=course, requires_attestation=True)
        for course in (course_a, course_b)
    )
    event_a = audit_record(
        action=AuditEvent.Action.PERSON_DATA_EXPORTED, actor=people[table.HR], subject=subject_a
    )
    event_b = audit_record(
        action=AuditEvent.Action.PERSON_DATA_EXPORTED, actor=hr_b, subject=subject_b
    )

    # The library items are town A's (its own collection, made by authoring_setup).
    collection = Organization.objects.get(pk=organization.pk).collection
    image = ImageFactory(collection=collection)
    document = DocumentFactory(collection=collection)
    rendition = image.get_rendition("fill-10x10")
    collection_restriction = CollectionViewRestriction.objects.create(
        collection=Collection.get_first_root_node().add_child(name="合言葉の資料"),
        restriction_type=CollectionViewRestriction.PASSWORD,
        password="x",
    )
    restricted_document = DocumentFactory(collection=collection_restriction.collection)

    workflow = Workflow.objects.get(name=WORKFLOW_NAME)
    # Each piece of quiz content has a later draft, in review (its workflow and task state).
    reviewed_values = {}
    for kind, content in reviewed.items():
        author = people[
            table.DX_LEADER
            if content in (module_quiz, track_question, track_bank)
            else table.IT_POLICY
        ]
        revision = content.save_revision(user=author)
        review = workflow.start(content, author)
        reviewed_values[kind] = content.pk
        reviewed_values[f"{kind}_revision"] = revision.pk
        reviewed_values[f"{kind}_workflow_state"] = review.pk
        reviewed_values[f"{kind}_task_state"] = review.current_task_state.pk
    glossary_term = _glossary_term()
    glossary_revision = glossary_term.save_revision()
    task = Task.objects.get(name=APPROVAL_TASK_NAME)
    # The modules of both towns are in review: their workflow and task states.
    review_a = workflow.start(module_a, people[table.DX_LEADER])
    review_b = workflow.start(module_b, subject_b)
    email_a = EmailAddress.objects.create(user=subject_a, email=subject_a.email, primary=True)
    email_b = EmailAddress.objects.create(user=subject_b, email=subject_b.email, primary=True)
    TOTP.activate(subject_a, generate_totp_secret())
    TOTP.activate(subject_b, generate_totp_secret())
    tag = Tag.objects.create(name="研修", slug="kenshu")
    mail_a, mail_b = (
        OutgoingMail.objects.create(
            organization=subject.organization,
            recipient=subject,
            address=subject.email,
            kind=OutgoingMail.Kind.REMINDER,
            subject="[しんか] 受講期限のお知らせ",
            body="期限を過ぎた研修があります。",
            status=OutgoingMail.Status.FAILED,
            attempts=6,
            last_error="SMTPServerDisconnected",
        )
        for subject in (subject_a, subject_b)
    )

    def town(a, b):
        return {"A": a, "B": b}

    def shared(value):
        return {table.SHARED: value}

    values = {
        "user": town(subject_a.pk, subject_b.pk),
        "department": town(departments["jumin"].pk, other_town["jumin"].pk),
        "track_assignment": town(assignment_a.pk, assignment_b.pk),
        "exemption": town(exemption_a.pk, exemption_b.pk),
        "report_run": town(run_a.pk, run_b.pk),
        "audit_event": town(event_a.pk, event_b.pk),
        "outgoing_mail": town(mail_a.pk, mail_b.pk),
        "attempt": town(skill_attempt_a.token, skill_attempt_b.token),
        "module_attempt": town(module_attempt_a.token, module_attempt_b.token),
        "module": town(module_a.pk, module_b.pk),
        "attestation_module": town(attestation_a.pk, attestation_b.pk),
        "page": town(module_a.pk, module_b.pk),
        "parent_page": town(course_a.pk, course_b.pk),
        "page_path": town(
            module_a.get_url_parts()[2].strip("/") + "/",
            # Town B's module as a path under the default site (town A's host).
            "/".join(p.slug for p in module_b.get_ancestors(inclusive=True)[2:]) + "/",
        ),
        "page_revision": town(module_a.latest_revision_id, module_b.latest_revision_id),
        "page_view_restriction": town(page_restriction_a.pk, page_restriction_b.pk),
        "restricted_page": town(restricted_a.pk, restricted_b.pk),
        "organization": town(organization.pk, town_b.pk),
        "site": town(default_site.pk, town_b.site.pk),
        "email_address": town(email_a.pk, email_b.pk),
        "calendar_feed": town(
            CalendarFeed.objects.create(user=subject_a).token,
            CalendarFeed.objects.create(user=subject_b).token,
        ),
        "authenticator": town(
            Authenticator.objects.get(user=subject_a, type="totp").pk,
            Authenticator.objects.get(user=subject_b, type="totp").pk,
        ),
        "completed_course": town(course_a.pk, course_b.pk),
        "certificate": town(certificate_a.number_display, certificate_b.number_display),
        "recorded_completion": town(
            _recorded_completion(subject_a, track_a, people[table.HR]).pk,
            _recorded_completion(subject_b, track_b, hr_b).pk,
        ),
        "training_session": town(
            _training_session(organization, course_a, people[table.IT_POLICY], people[table.HR]),
            _training_session(town_b, course_b, hr_b, hr_b),
        ),
        "fiscal_year": shared(2025),
        "file_format": shared("xlsx"),
        **{kind: shared(value) for kind, value in reviewed_values.items()},
        "skill_area": shared(SkillArea.objects.get(code="caution-security").pk),
        "glossary_term": shared(glossary_term.pk),
        "glossary_revision": shared(glossary_revision.pk),
        "workflow_state": town(review_a.pk, review_b.pk),
        "task_state": town(review_a.current_task_state.pk, review_b.current_task_state.pk),
        "position": town(positions["shuji"].pk, other_town["shuji"].pk),
        "group": shared(Group.objects.get(name=Role.STAFF).pk),
        "image": shared(image.pk),
        "rendition_file": shared(rendition.file.name.removeprefix("images/")),
        "document": shared(document.pk),
        "document_filename": shared(document.filename),
        "restricted_document": shared(restricted_document.pk),
        "collection": shared(collection.pk),
        "collection_view_restriction": shared(collection_restriction.pk),
        "workflow": shared(workflow.pk),
        "task": shared(task.pk),
        "tag": shared(tag.pk),
        "user_content_type": shared(ContentType.objects.get_for_model(subject_a).pk),
        **{kind: shared(value) for kind, value in table.LITERALS.items()},
    }
    personal_data = {"A": subject_a.staff_number, "B": subject_b.staff_number}
    return {"people": people, "values": values, "personal_data": personal_data}


def _glossary_term():
    return GlossaryTerm.objects.create(term="クラウド", reading="くらうど", definition="…")


# ---------------------------------------------------------------------------------------
# Listings that name quiz content

LISTINGS_OF_QUIZ_CONTENT = (
    "/admin/reports/site-history/",
    "/admin/reports/site-history/results/",
    "/admin/reports/site-history/?export=csv",
    "/admin/reports/workflow/",
    "/admin/reports/workflow/results/",
    "/admin/reports/workflow_tasks/",
    "/admin/reports/workflow_tasks/results/",
    "/admin/",
    "/admin/snippets/assessments/question/",
    "/admin/snippets/assessments/question/?export=csv",
    "/admin/snippets/assessments/quiz/",
    "/admin/snippets/assessments/questionbank/",
    "/admin/snippets/choose/assessments/question/",
    "/admin/snippets/choose/assessments/quiz/",
    "/admin/snippets/choose/assessments/questionbank/",
    "/admin/question-statistics/",
)


def test_listings_name_skill_check_content_only_to_those_who_author_it(world):
    """The matrix reads status codes; these listings (the site history, Wagtail's workflow
    reports, the dashboard, the snippet lists and choosers, 問題の分析) answer everyone with
    the admin, so what they name is read here: skill-check content only for IT policy and
    the operator, the DX leader's track's for them too (docs/security.md)."""
    sees_skill = {table.IT_POLICY, table.OPERATOR}
    sees_track = sees_skill | {table.DX_LEADER}
    clients = _clients(world["people"])
    wrong, named = [], {}
    for url in LISTINGS_OF_QUIZ_CONTENT:
        for role in table.ADMIN_USERS:
            response = clients[role].get(url)
            body = b"".join(response) if response.streaming else response.content
            body = body.decode(errors="replace")
            for labels, allowed in ((SKILL_LABELS, sees_skill), (TRACK_LABELS, sees_track)):
                shown = [label for label in labels if label in body]
                if shown and role not in allowed:
                    wrong.append(f"{url} as {role} ({response.status_code}) names {shown}")
                if role in allowed:
                    named[(url, role)] = named.get((url, role), 0) + len(shown)
    assert not wrong, "\n".join(wrong)
    # The check can see: those who author it find the content in the reports.
    for url in ("/admin/reports/site-history/", "/admin/reports/workflow/"):
        assert named[(url, table.IT_POLICY)] == len(SKILL_LABELS) + len(TRACK_LABELS)
        assert named[(url, table.DX_LEADER)] == len(TRACK_LABELS)


# ---------------------------------------------------------------------------------------
# The matrix


def _clients(people):
    clients = {table.ANONYMOUS: Client(raise_request_exception=False)}
    for role, user in people.items():
        client = Client(raise_request_exception=False)
        client.force_login(user)
        clients[role] = client
    return clients


def run_matrix(world, routes=None, entries=None):
    """GET every concrete URL as every role; returns (results, problems).

    ``results`` maps (route key, role, town) to (expected, got, status, url); ``problems``
    lists URLs that could not be built and GETs that signed the person out."""
    values = world["values"]
    clients = _clients(world["people"])
    login = reverse(settings.LOGIN_URL)
    mypage = reverse(settings.LOGIN_REDIRECT_URL)
    admin_home = reverse("wagtailadmin_home")
    results, problems = {}, []
    timings, locations = {}, {}
    for route in routes or matrix.all_routes():
        route_started = time.monotonic()
        route_entry = (entries or {}).get(route.key) or matrix.entry_for(route)
        if route_entry.shadowed_by:
            continue
        # The entry, and again for each of its cases (the route with other objects).
        asked_as = [
            ("", route_entry),
            *((f"[{c.label}]", route_entry.for_case(c)) for c in route_entry.cases),
        ]
        for label, entry in asked_as:
            kinds = {param: entry.args[param] for param in route.params}
            kinds.update(entry.query)
            towns = (
                ["A", "B"]
                if any(table.KINDS[k] == table.TOWN for k in kinds.values())
                else [table.SHARED]
            )
            for town in towns:
                try:
                    url = matrix.url_for(
                        route,
                        entry,
                        {
                            p: values[k].get(town, values[k].get(table.SHARED))
                            for p, k in kinds.items()
                        },
                    )
                except matrix.NoUrl as error:
                    problems.append(f"{route.key}{label} ({town}): {error}")
                    continue
                for variant in entry.variants:
                    asked = url + (("&" if "?" in url else "?") + variant[1:] if variant else "")
                    for role in table.ROLES:
                        client = clients[role]
                        session = client.cookies.get(settings.SESSION_COOKIE_NAME)
                        response = client.get(asked)
                        got = matrix.outcome(
                            response,
                            asked,
                            login=login,
                            mypage=mypage,
                            admin_home=admin_home,
                            redirect_denies=entry.redirect_denies,
                        )
                        if got == matrix.OK and role in entry.no_personal_data_for:
                            got = _personal_data_check(response, world["personal_data"], town)
                        expected = entry.expected(role, town)
                        key = (route.key + label + variant, role, town)
                        results[key] = (expected, got, response.status_code, asked)
                        locations[key] = response.get("Location", "")
                        if (
                            role != table.ANONYMOUS
                            and settings.SESSION_COOKIE_NAME in response.cookies
                        ):
                            # A new or deleted cookie (Wagtail's logout view deletes it even when
                            # it refuses a GET): the old session must still hold the person.
                            if session is None or not SessionStore(session.value).get(SESSION_KEY):
                                problems.append(f"GET {asked} as {role} signed them out")
                            client.force_login(world["people"][role])
        timings[route.key] = time.monotonic() - route_started
    if DUMP_TO:
        slowest = sorted(timings.items(), key=lambda item: -item[1])[:25]
        with open(DUMP_TO, "w") as out:
            out.write("\n".join(f"{t:.2f} {k}" for k, t in slowest) + "\n")
            for key, location in locations.items():
                out.write(f"{key} {results[key]} -> {location}\n")
    return results, problems


def _personal_data_check(response, personal_data, town):
    """``ok``, or PERSONAL_DATA when the page shows the staff number of a town's member of
    staff (town A's and B's for a route without a town's object)."""
    if response.status_code != HTTPStatus.OK or response.streaming:
        return matrix.OK
    body = response.content.decode(errors="replace")
    towns = ["A", "B"] if town == table.SHARED else [town]
    if any(personal_data[t] in body for t in towns):
        return matrix.PERSONAL_DATA
    return matrix.OK


def _line(key, result):
    route, role, town = key
    expected, got, status, url = result
    return f"{route} as {role}, town {town}: expected {expected}, got {got} ({status}) — GET {url}"


def judge(results, known) -> list[str]:
    """What fails: a mismatch not listed as known, a known leak that no longer fails (strict:
    it must come off the list) and a known leak the matrix no longer asks for."""
    mismatches = {
        key: result for key, result in results.items() if not matrix.acceptable(*result[:3])
    }
    unexpected = [_line(k, r) for k, r in mismatches.items() if k not in known]
    now_passing = [
        f"{k} ({known[k]}) now passes: take it off the list"
        for k in known
        if k in results and k not in mismatches
    ]
    stale = [f"{k} ({known[k]}) is not in the matrix" for k in known if k not in results]
    return unexpected + now_passing + stale


def test_the_access_matrix(world):
    started, cpu_started = time.monotonic(), time.process_time()
    results, problems = run_matrix(world)
    elapsed, cpu = time.monotonic() - started, time.process_time() - cpu_started
    print(f"access matrix: {len(results)} requests, {elapsed:.0f} s ({cpu:.0f} s of CPU)")

    known = {**table.KNOWN_LEAKS_FIXED_ON_OTHER_BRANCHES, **table.KNOWN_LEAKS_WITHOUT_A_BRANCH}
    report = problems + judge(results, known)
    assert not report, (
        f"{len(results)} requests in {elapsed:.0f} s ({cpu:.0f} s of CPU); "
        f"{len(report)} problems:\n" + "\n".join(report)
    )


def test_known_leaks_are_strict():
    """A listed leak must still fail: once fixed (or no longer asked) it must come off."""
    leak = ("department:edit", table.HR, "B")
    fixed = ("department:delete", table.HR, "B")
    results = {
        leak: ("denied", "ok", 200, "/admin/department/edit/2/"),
        fixed: ("denied", "denied", 404, "/admin/department/delete/2/"),
        ("lms:mypage", table.STAFF, table.SHARED): ("ok", "ok", 200, "/mypage/"),
    }
    known = {leak: "scoping", fixed: "scoping", ("gone", table.HR, "B"): "scoping"}

    report = judge(results, known)

    assert len(report) == 2
    assert "department:delete" in report[0] and "now passes" in report[0]
    assert "gone" in report[1] and "not in the matrix" in report[1]
    assert judge({**results, fixed: results[leak]}, {}) == [
        _line(leak, results[leak]),
        _line(fixed, results[leak]),
    ]


def test_the_matrix_sees_a_leak(world):
    """The check fails when the table promises less than the code gives (and more)."""
    asked = ("lms:person_progress", "lms:mypage", "admin:lms_user_change")
    routes = [r for r in matrix.all_routes() if r.key in asked]
    wrong = {
        "lms:person_progress": table.Entry(
            key="lms:person_progress", ok=frozenset(), args={"user_id": "user"}
        ),
        "lms:mypage": table.Entry(key="lms:mypage", ok=frozenset()),
        # The operator's user screen shows the person's staff number: were it a screen
        # promised to show no personal data, the matrix would say so.
        "admin:lms_user_change": table.Entry(
            key="admin:lms_user_change",
            ok=frozenset({table.OPERATOR}),
            args={"object_id": "user"},
            no_personal_data_for=frozenset({table.OPERATOR}),
        ),
    }
    results, problems = run_matrix(world, routes=routes, entries=wrong)

    mismatched = {key for key, result in results.items() if not matrix.acceptable(*result[:3])}
    assert not problems
    assert ("lms:person_progress", table.HR, "A") in mismatched  # HR sees a member of town A
    assert ("lms:mypage", table.STAFF, table.SHARED) in mismatched
    assert ("lms:person_progress", table.STAFF, "A") not in mismatched
    assert results[("lms:person_progress", table.HR, "B")][1] == matrix.DENIED
    assert HTTPStatus.NOT_FOUND == results[("lms:person_progress", table.HR, "B")][2]
    operator_screen = results[("admin:lms_user_change", table.OPERATOR, "A")]
    assert operator_screen[1] == matrix.PERSONAL_DATA
    assert ("admin:lms_user_change", table.OPERATOR, "A") in mismatched
