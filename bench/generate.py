"""A deterministic organisation of a given size, written straight into the database.

The curriculum is the same at every size (8 tracks × 5 courses × 5 modules,
a quiz closing each course), so page and job costs can be compared across
sizes: only the organisation and its learning records grow. Pages are real
Wagtail pages in the tree (a few hundred, created with ``add_child``);
people, posts, completions, attempts and skill results are bulk loaded
(``COPY`` on PostgreSQL). The same (size, seed, as-of date) always gives the
same rows.
"""

import datetime
import random
import time
import uuid
from dataclasses import dataclass

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from wagtail.models import Page, Site

from assessments.models import (
    Attempt,
    Choice,
    Question,
    QuestionBank,
    Quiz,
    QuizQuestion,
    SkillArea,
    SkillResult,
)
from courses.blocks import quiz_ids_in
from courses.fiscal import fiscal_year_bounds, fiscal_year_of
from courses.models import (
    CourseCompletion,
    CoursePage,
    LearningHomePage,
    ModuleCompletion,
    ModulePage,
    TrackPage,
)
from lms.models import (
    Department,
    LeaderNomination,
    Membership,
    Organization,
    Position,
    TrackAssignment,
    User,
)
from lms.people.roles import Role

from .loading import bulk_load

GENERATOR_VERSION = 2
# Every generated account signs in with this (the load run logs in as staff).
PASSWORD = "bench-password-2026"
TRACKS, COURSES_PER_TRACK, MODULES_PER_COURSE, QUESTIONS_PER_QUIZ = 8, 5, 5, 5
ANNUAL_TRACK = 1


@dataclass(frozen=True)
class Size:
    name: str
    staff: int
    divisions: int  # 部
    sections_per_division: int  # 課
    units_per_section: int  # 係

    @property
    def departments(self) -> int:
        return self.divisions * (1 + self.sections_per_division * (1 + self.units_per_section))


SIZES = {
    size.name: size
    for size in (
        Size("tiny", 60, 2, 2, 1),
        Size("town", 300, 3, 4, 2),
        Size("city", 5_000, 8, 6, 2),
        Size("prefecture", 50_000, 16, 8, 2),
    )
}

# (code, name, rank, share of staff); 課長 and 部長 are placed by the tree, not drawn.
POSITIONS = [
    ("KAIKEI", "会計年度任用職員", 10, 0.15),
    ("SHUJI", "主事", 20, 0.40),
    ("SHUNIN", "主任", 30, 0.22),
    ("KAKARICHO", "係長", 40, 0.15),
    ("HOSA", "課長補佐", 50, 0.08),
    ("KACHO", "課長", 60, 0.0),
    ("BUCHO", "部長", 70, 0.0),
]
FAMILY = (
    "佐藤 鈴木 高橋 田中 伊藤 渡辺 山本 中村 小林 加藤 吉田 山田 佐々木 山口 松本 井上 木村 林 斎藤"
)
GIVEN = "花子 太郎 恵子 誠 美咲 健太 陽子 大輔 裕子 翔 直美 浩 真由美 拓也 由美子 亮"
TRACK_TITLES = [
    "全職員向け DX 基礎",
    "情報セキュリティ（毎年度）",
    "管理職向け DX マネジメント",
    "窓口職員向け デジタル手続",
    "データ活用実践",
    "業務改善とツール活用",
    "生成 AI 入門（任意）",
    "DX 推進リーダー育成（任意）",
]
# How likely staff are to start a course of each track (assigned tracks more so).
TRACK_UPTAKE = [0.95, 0.9, 0.5, 0.5, 0.5, 0.45, 0.25, 0.15]


@dataclass(frozen=True)
class Generated:
    organization: Organization
    counts: dict[str, int]
    seconds: float


def organization_name(size: Size, seed: int, as_of: datetime.date) -> str:
    """Names the generator's inputs, so a database built from other inputs is rebuilt."""
    return f"ベンチ市 ({size.name}, seed {seed}, {as_of}, v{GENERATOR_VERSION})"


def generate(*, size: Size, seed: int = 1, as_of: datetime.date) -> Generated:
    """Build the organisation in an empty (migrated) database; returns row counts."""
    started = time.perf_counter()
    rng = random.Random(f"{seed}:{size.name}")
    with transaction.atomic():
        world = _World(size=size, seed=seed, rng=rng, as_of=as_of)
        world.build()
    return Generated(world.organization, world.counts, time.perf_counter() - started)


class _World:
    def __init__(self, *, size: Size, seed: int, rng: random.Random, as_of: datetime.date):
        self.size, self.seed, self.rng, self.as_of = size, seed, rng, as_of
        self.fiscal_year = fiscal_year_of(as_of)
        self.fiscal_start, self.fiscal_end = fiscal_year_bounds(self.fiscal_year)
        self.counts: dict[str, int] = {}
        self.now = timezone.make_aware(datetime.datetime.combine(as_of, datetime.time(9)))

    def build(self) -> None:
        self.organization = Organization.objects.create(
            code=f"BENCH-{self.size.name}"[:16],
            name=organization_name(self.size, self.seed, self.as_of),
        )
        self._departments()
        self._positions()
        self._curriculum()
        self._people()
        self._assignments()
        self._progress()
        self._skills()
        self._roles()

    # --- organisation ------------------------------------------------------

    def _departments(self) -> None:
        size, org = self.size, self.organization
        self.divisions, self.sections, self.units = [], [], []
        order = 0

        def add(parent, code: str, name: str, level: str) -> Department:
            nonlocal order
            order += 1
            department = Department(
                organization=org, parent=parent, code=code, name=name, level=level,
                sort_order=order,
            )  # fmt: skip
            department.save()
            return department

        for d in range(size.divisions):
            division = add(None, f"B{d:02d}", f"第{d + 1}部", "bu")
            self.divisions.append(division)
            for s in range(size.sections_per_division):
                section = add(division, f"B{d:02d}K{s:02d}", f"第{d + 1}部 第{s + 1}課", "ka")
                self.sections.append(section)
                for u in range(size.units_per_section):
                    self.units.append(
                        add(
                            section,
                            f"B{d:02d}K{s:02d}U{u:02d}",
                            f"第{d + 1}部 第{s + 1}課 第{u + 1}係",
                            "kakari",
                        )
                    )
        self.counts["departments"] = order

    def _positions(self) -> None:
        self.positions = {
            code: Position.objects.get_or_create(
                organization=self.organization, code=code, defaults={"name": name, "rank": rank}
            )[0]
            for code, name, rank, _share in POSITIONS
        }

    # --- curriculum: real pages ------------------------------------------------

    def _curriculum(self) -> None:
        home = LearningHomePage.objects.first()
        if home is None:
            home = Page.get_first_root_node().add_child(
                instance=LearningHomePage(title="研修一覧", slug="learning")
            )
            site = Site.objects.get(is_default_site=True)
            site.root_page = home
            site.save()
        self.tracks, self.courses = [], []
        self.course_modules: dict[int, list[int]] = {}
        self.quiz_of_course: dict[int, tuple[int, int]] = {}  # course → (quiz, module)
        if TrackPage.objects.child_of(home).filter(slug="track-0").exists():
            self._existing_curriculum(home)  # organisations of one instance share content
            return
        bank = QuestionBank.objects.create(title="ベンチ問題", slug="bench")
        sub_areas = list(SkillArea.objects.filter(parent__isnull=False).order_by("id"))
        for t, title in enumerate(TRACK_TITLES):
            track = home.add_child(instance=TrackPage(title=title, slug=f"track-{t}"))
            self.tracks.append(track)
            for c in range(COURSES_PER_TRACK):
                course = track.add_child(
                    instance=CoursePage(
                        title=f"{title} {c + 1}",
                        slug=f"course-{t}-{c}",
                        annual=t == ANNUAL_TRACK,
                    )
                )
                self.courses.append((t, course))
                quiz = self._quiz(course, bank, sub_areas)
                ids = []
                for m in range(MODULES_PER_COURSE):
                    body = [("markdown", f"## {course.title} 第{m + 1}回\n\n本文です。")]
                    if m == MODULES_PER_COURSE - 1:
                        body.append(("quiz", {"quiz": quiz}))
                    module = course.add_child(
                        instance=ModulePage(
                            title=f"{course.title} 第{m + 1}回", slug=f"module-{m}", body=body
                        )
                    )
                    ids.append(module.id)
                self.course_modules[course.id] = ids
                self.quiz_of_course[course.id] = (quiz.id, ids[-1])
        self.counts["pages"] = 1 + TRACKS * COURSES_PER_TRACK * (1 + MODULES_PER_COURSE)

    def _existing_curriculum(self, home) -> None:
        for t in range(len(TRACK_TITLES)):
            track = TrackPage.objects.child_of(home).get(slug=f"track-{t}")
            self.tracks.append(track)
            for course in CoursePage.objects.child_of(track).order_by("path"):
                self.courses.append((t, course))
                modules = list(ModulePage.objects.child_of(course).order_by("path"))
                self.course_modules[course.id] = [m.id for m in modules]
                self.quiz_of_course[course.id] = (quiz_ids_in(modules[-1].body)[0], modules[-1].id)

    def _quiz(self, course, bank, sub_areas) -> Quiz:
        quiz = Quiz.objects.create(title=f"確認テスト：{course.title}", attempt_limit=0)
        questions = Question.objects.bulk_create(
            Question(
                bank=bank,
                area=sub_areas[self.rng.randrange(len(sub_areas))],
                level=1 + q % 3,
                kind="single",
                text=f"{course.title} 問{q + 1}",
                explanation="解説です。",
            )
            for q in range(QUESTIONS_PER_QUIZ)
        )
        Choice.objects.bulk_create(
            Choice(question=question, text=f"選択肢{i + 1}", is_correct=i == 0, sort_order=i)
            for question in questions
            for i in range(4)
        )
        QuizQuestion.objects.bulk_create(
            QuizQuestion(quiz=quiz, question=question, sort_order=i)
            for i, question in enumerate(questions)
        )
        return quiz

    # --- people ----------------------------------------------------------------

    def _people(self) -> None:
        rng, size = self.rng, self.size
        family, given = FAMILY.split(), GIVEN.split()
        password = make_password(PASSWORD)  # one hash for all: hashing 50,000 takes minutes
        joined = self.now - datetime.timedelta(days=800)
        prefix = size.name[:2].upper()
        numbers = [f"{prefix}{i:06d}" for i in range(1, size.staff + 1)]
        bulk_load(
            User,
            [
                "password",
                "is_superuser",
                "is_staff",
                "is_active",
                "date_joined",
                "organization",  # the town's roster (staff numbers are unique per town)
                "staff_number",
                "family_name",
                "given_name",
                "family_name_kana",
                "given_name_kana",
                "email",
                "interests",
            ],
            (
                (
                    password,
                    False,
                    False,
                    True,
                    joined,
                    self.organization.pk,
                    number,
                    family[rng.randrange(len(family))],
                    given[rng.randrange(len(given))],
                    "",
                    "",
                    f"{number.lower()}@bench.example.jp",
                    "",
                )
                for number in numbers
            ),
        )
        ids = dict(
            User.objects.filter(
                organization=self.organization, staff_number__in=numbers
            ).values_list("staff_number", "id")
        )
        self.user_ids = [ids[number] for number in numbers]
        self.counts["users"] = len(self.user_ids)
        self._memberships()

    def _memberships(self) -> None:
        rng, positions = self.rng, self.positions
        shares = [(code, share) for code, _n, _r, share in POSITIONS if share]
        codes, weights = zip(*shares, strict=True)
        previous_start = datetime.date(self.fiscal_year - 3, 4, 1)
        last_year_end = self.fiscal_start - datetime.timedelta(days=1)
        heads = [(division, "BUCHO") for division in self.divisions] + [
            (section, "KACHO") for section in self.sections
        ]
        workplaces = self.units + self.sections
        self.primary_of: dict[int, tuple[int, str]] = {}
        rows = []
        for index, user_id in enumerate(self.user_ids):
            if index < len(heads):
                department, code = heads[index]
            else:
                department = workplaces[rng.randrange(len(workplaces))]
                code = rng.choices(codes, weights)[0]
            self.primary_of[user_id] = (department.id, code)
            position_id = positions[code].id
            if rng.random() < 0.12:  # moved on 1 April (定期人事異動)
                former = workplaces[rng.randrange(len(workplaces))]
                rows.append((user_id, former.id, position_id, True, previous_start, last_year_end))
                rows.append((user_id, department.id, position_id, True, self.fiscal_start, None))
            else:
                rows.append((user_id, department.id, position_id, True, previous_start, None))
            if rng.random() < 0.05:  # a concurrent post (兼務)
                other = self.sections[rng.randrange(len(self.sections))]
                rows.append((user_id, other.id, position_id, False, self.fiscal_start, None))
        self.counts["memberships"] = bulk_load(
            Membership,
            ["user_id", "department_id", "position_id", "is_primary", "valid_from", "valid_to"],
            rows,
        )

    def _assignments(self) -> None:
        fy = self.fiscal_year
        managers = [p for p in self.positions.values() if p.rank >= 60]
        first_sections = [s for s in self.sections if s.code.endswith("K00")]
        rules = [
            (0, datetime.date(fy, 9, 30), True, [], []),
            (1, datetime.date(fy, 12, 28), True, [], []),
            (2, datetime.date(fy + 1, 1, 31), False, [], managers),
            (3, datetime.date(fy + 1, 3, 15), False, first_sections, []),
            (
                4,
                datetime.date(fy, 10, 31),
                False,
                self.divisions[: max(1, len(self.divisions) // 2)],
                [self.positions["SHUNIN"], self.positions["KAKARICHO"]],
            ),
            (5, datetime.date(fy + 1, 2, 27), False, [], [self.positions["SHUJI"]]),
            # A second rule for the basics with a later date: the earliest one counts.
            (0, datetime.date(fy, 12, 1), False, self.divisions[:1], []),
        ]
        # Made when the fiscal year began, so a report as of any day of it sees them.
        made = timezone.make_aware(datetime.datetime.combine(self.fiscal_start, datetime.time()))
        for track_index, due, to_all, departments, positions in rules:
            assignment = TrackAssignment.objects.create(
                organization=self.organization,
                track=self.tracks[track_index],
                fiscal_year=fy,
                due_date=due,
                applies_to_all=to_all,
                created_at=made,
            )
            assignment.departments.set(departments)
            assignment.positions.set(positions)
        # Last year's assignment must not count this year.
        TrackAssignment.objects.create(
            organization=self.organization,
            track=self.tracks[5],
            fiscal_year=fy - 1,
            due_date=datetime.date(fy - 1, 9, 30),
            applies_to_all=True,
            created_at=made - datetime.timedelta(days=365),
        )
        self.counts["assignments"] = len(rules) + 1

    # --- learning records ------------------------------------------------------

    def _progress(self) -> None:
        rng = self.rng
        modules, courses, attempts = [], [], []
        span = self.now - timezone.make_aware(datetime.datetime(*self.fiscal_start.timetuple()[:3]))
        seconds = int(span.total_seconds())
        for user_id in self.user_ids:
            engagement = rng.random()
            for track_index, course in self.courses:
                if rng.random() > engagement * TRACK_UPTAKE[track_index]:
                    continue
                done = rng.choices(range(1, MODULES_PER_COURSE + 1), (1, 1, 1, 2, 5))[0]
                cycles = [self.fiscal_year if course.annual else 0]
                if course.annual and rng.random() < 0.4:
                    cycles.append(self.fiscal_year - 1)
                for cycle in cycles:
                    at = self.now - datetime.timedelta(seconds=rng.randrange(seconds))
                    if cycle == self.fiscal_year - 1:
                        at -= datetime.timedelta(days=365)
                    for module_id in self.course_modules[course.id][:done]:
                        modules.append((user_id, module_id, cycle, at))
                    if done == MODULES_PER_COURSE:
                        recorded = _recorded(user_id, at, self.now)
                        courses.append((user_id, course.id, cycle, at, *recorded))
                if done >= MODULES_PER_COURSE - 1:
                    attempts.extend(self._attempts(user_id, course.id, passed=done == 5, at=at))
        self.counts["module_completions"] = bulk_load(
            ModuleCompletion, ["user_id", "module_id", "cycle", "completed_at"], modules
        )
        self.counts["course_completions"] = bulk_load(
            CourseCompletion,
            ["user_id", "course_id", "cycle", "completed_at", "source", "recorded_at", "reason"],
            courses,
        )
        self.counts["attempts"] = bulk_load(
            Attempt,
            [
                "user_id",
                "quiz_id",
                "number",
                "token",
                "context",
                "status",
                "started_at",
                "submitted_at",
                "correct_count",
                "question_count",
                "passed",
            ],
            attempts,
        )

    def _attempts(self, user_id, course_id, *, passed, at):
        quiz_id, module_id = self.quiz_of_course[course_id]
        failures = self.rng.choices((0, 1, 2, 3), (4, 3, 2, 1))[0]
        results = [False] * failures + ([True] if passed else [])
        for number, ok in enumerate(results, start=1):
            started = at - datetime.timedelta(minutes=10 * (len(results) - number + 1))
            yield (
                user_id,
                quiz_id,
                number,
                uuid.UUID(int=self.rng.getrandbits(128), version=4),
                f"module:{module_id}",
                Attempt.Status.SUBMITTED,
                started,
                started + datetime.timedelta(minutes=8),
                QUESTIONS_PER_QUIZ if ok else self.rng.randrange(QUESTIONS_PER_QUIZ - 1),
                QUESTIONS_PER_QUIZ,
                ok,
            )

    def _skills(self) -> None:
        rng = self.rng
        categories = list(SkillArea.objects.filter(parent__isnull=True).order_by("id"))
        rows = []
        for user_id in self.user_ids:
            if rng.random() > 0.6:
                continue
            checks = 1 + (rng.random() < 0.3)
            for check in range(checks):
                at = self.now - datetime.timedelta(days=30 * (checks - check) + rng.randrange(20))
                for area in categories:
                    level = rng.choices(range(5), (1, 3, 4, 2, 1))[0]
                    rows.append((user_id, area.id, level, [[level, 3, 3]], at))
        self.counts["skill_results"] = bulk_load(
            SkillResult, ["user_id", "area_id", "level", "evidence", "assessed_at"], rows
        )
        picked = rng.sample(self.user_ids, max(2, len(self.user_ids) // 25))
        nominations = [(u, "self", self.fiscal_year, self.now) for u in picked]
        nominations += [
            (u, "endorsement", self.fiscal_year, self.now) for u in picked[: len(picked) // 3]
        ]
        self.counts["nominations"] = bulk_load(
            LeaderNomination, ["user_id", "kind", "fiscal_year", "created_at"], nominations
        )
        authors = rng.sample(self.user_ids, min(20, len(self.user_ids)))
        module_ids = [m for ids in self.course_modules.values() for m in ids]
        for index, author in enumerate(authors):
            ModulePage.objects.filter(pk__in=module_ids[index :: len(authors)]).update(
                owner_id=author
            )

    def _roles(self) -> None:
        groups = {role: Group.objects.get_or_create(name=role)[0] for role in Role.values}
        through = User.groups.through
        bulk_load(
            through,
            ["user_id", "group_id"],
            ((user_id, groups[Role.STAFF].id) for user_id in self.user_ids),
        )
        heads = self.user_ids[: len(self.divisions) + len(self.sections)]
        bulk_load(through, ["user_id", "group_id"], ((u, groups[Role.DEPT_HEAD].id) for u in heads))
        hr, it_policy = self.role_users()
        User.objects.get(pk=hr).groups.add(groups[Role.HR])
        User.objects.get(pk=it_policy).groups.add(groups[Role.IT_POLICY])
        for user in User.objects.filter(pk__in=[hr, it_policy]):
            TOTP.activate(user, generate_totp_secret())

    def role_users(self) -> tuple[int, int]:
        """The HR officer and the IT policy officer: ordinary staff right after the heads."""
        first = len(self.divisions) + len(self.sections)
        return self.user_ids[first], self.user_ids[first + 1]


def _recorded(user_id: int, at: datetime.datetime, now: datetime.datetime) -> tuple:
    """Source, recorded at and reason of a generated course completion: about one in ten is
    recorded by HR (集合研修, a week after it) and one in twenty imported from a previous
    system (docs/records.md), chosen from the user id so the random draws stay as they were."""
    kind = user_id % 20
    if kind < 2:
        return ("recorded", min(at + datetime.timedelta(days=7), now), "集合研修")
    if kind == 2:
        return ("imported", min(at + datetime.timedelta(days=30), now), "旧システムから取り込み")
    return ("online", None, "")
