"""The demo town: an organisation modelled on 鏡野町, its staff and its curriculum.

Idempotent: records are looked up by natural keys (codes, staff numbers,
slugs) and only created when missing, so running it again adds nothing and
never overwrites what an author or HR has changed since.
"""

import datetime
import itertools
import random
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

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
    QuizDrawRule,
    QuizQuestion,
    SkillArea,
)
from assessments.scoring import choice_set_error
from assessments.services import attempt_start, attempt_submit
from content.models import GlossaryTerm
from courses.blocks import quiz_ids_in
from courses.fiscal import fiscal_year_bounds, fiscal_year_of, local_today
from courses.models import CoursePage, LearningHomePage, ModulePage, TrackPage
from courses.services import module_complete
from lms.audit import Actor
from lms.leaders.nominations import leader_endorse, leader_volunteer
from lms.models import (
    Department,
    Membership,
    Organization,
    Position,
    ReportRun,
    TrackAssignment,
    User,
)
from lms.people.authoring import authoring_setup, track_editor_assign
from lms.people.roles import Role
from lms.reporting.runs import report_request

CURRICULUM_DIR = Path(__file__).resolve().parent / "curriculum"

ORGANIZATION = ("336068", "鏡野町")

# (code, name, level, parent code)
DEPARTMENTS = [
    ("SOMU", "総務課", Department.Level.SECTION, None),
    ("SOMU-JINJI", "人事係", Department.Level.UNIT, "SOMU"),
    ("SOMU-JOHO", "情報政策係", Department.Level.UNIT, "SOMU"),
    ("KIKAKU", "企画財政課", Department.Level.SECTION, None),
    ("JUMIN", "住民税務課", Department.Level.SECTION, None),
    ("JUMIN-MADO", "住民係", Department.Level.UNIT, "JUMIN"),
    ("JUMIN-ZEI", "税務係", Department.Level.UNIT, "JUMIN"),
    ("HOKEN", "保健福祉課", Department.Level.SECTION, None),
    ("SANGYO", "産業観光課", Department.Level.SECTION, None),
    ("KENSETSU", "建設課", Department.Level.SECTION, None),
    ("SUIDO", "上下水道課", Department.Level.SECTION, None),
    ("KYOIKU", "教育委員会事務局", Department.Level.SECTION, None),
]

# (code, name, rank)
POSITIONS = [
    ("KAIKEI", "会計年度任用職員", 10),
    ("SHUJI", "主事", 20),
    ("GISHI", "技師", 20),
    ("SHUNIN", "主任", 30),
    ("KAKARICHO", "係長", 40),
    ("HOSA", "課長補佐", 50),
    ("KACHO", "課長", 60),
]


@dataclass(frozen=True)
class DemoAccount:
    staff_number: str
    family_name: str
    given_name: str
    family_kana: str
    given_kana: str
    department: str
    position: str
    role: Role
    password: str


# One account per role; the passwords are for the demo only and printed by the command.
# fmt: off
DEMO_ACCOUNTS = [
    DemoAccount("1001", "山田", "花子", "ヤマダ", "ハナコ", "JUMIN-MADO", "SHUJI", Role.STAFF, "demo-staff-1001"),
    DemoAccount("2001", "佐藤", "誠", "サトウ", "マコト", "JUMIN", "KACHO", Role.DEPT_HEAD, "demo-head-2001"),
    DemoAccount("3001", "鈴木", "恵子", "スズキ", "ケイコ", "SOMU-JINJI", "KAKARICHO", Role.HR, "demo-hr-3001"),
    DemoAccount("4001", "高橋", "健太", "タカハシ", "ケンタ", "SOMU-JOHO", "SHUNIN", Role.IT_POLICY, "demo-itpolicy-4001"),
    DemoAccount("5001", "田中", "美咲", "タナカ", "ミサキ", "HOKEN", "SHUJI", Role.DX_LEADER, "demo-leader-5001"),
    DemoAccount("9001", "管理", "太郎", "カンリ", "タロウ", "SOMU-JOHO", "KAKARICHO", Role.ADMIN, "demo-admin-9001"),
]

FAMILY_NAMES = [
    ("伊藤", "イトウ"), ("渡辺", "ワタナベ"), ("中村", "ナカムラ"), ("小林", "コバヤシ"),
    ("加藤", "カトウ"), ("吉田", "ヨシダ"), ("山本", "ヤマモト"), ("松本", "マツモト"),
    ("井上", "イノウエ"), ("木村", "キムラ"), ("林", "ハヤシ"), ("清水", "シミズ"),
    ("森", "モリ"), ("池田", "イケダ"), ("橋本", "ハシモト"), ("石川", "イシカワ"), ("髙橋", "タカハシ"),
]
GIVEN_NAMES = [
    ("翔", "ショウ"), ("陽菜", "ヒナ"), ("大輔", "ダイスケ"), ("彩", "アヤ"), ("直樹", "ナオキ"),
    ("由美", "ユミ"), ("拓也", "タクヤ"), ("真由美", "マユミ"), ("浩二", "コウジ"), ("香織", "カオリ"),
    ("亮", "リョウ"), ("千尋", "チヒロ"),
]
# fmt: on
# Other staff: (department, position) for each, in order.
# fmt: off
OTHER_POSTS = [
    ("SOMU", "KACHO"), ("SOMU", "SHUJI"), ("SOMU-JINJI", "SHUJI"), ("SOMU-JOHO", "SHUJI"),
    ("KIKAKU", "KACHO"), ("KIKAKU", "KAKARICHO"), ("KIKAKU", "SHUJI"), ("JUMIN", "HOSA"),
    ("JUMIN-MADO", "SHUNIN"), ("JUMIN-MADO", "KAIKEI"), ("JUMIN-ZEI", "KAKARICHO"),
    ("JUMIN-ZEI", "SHUJI"), ("HOKEN", "KACHO"), ("HOKEN", "KAKARICHO"), ("HOKEN", "SHUNIN"),
    ("HOKEN", "KAIKEI"), ("SANGYO", "KACHO"), ("SANGYO", "SHUJI"), ("SANGYO", "SHUJI"),
    ("KENSETSU", "KACHO"), ("KENSETSU", "GISHI"), ("KENSETSU", "GISHI"), ("SUIDO", "KACHO"),
    ("SUIDO", "GISHI"), ("SUIDO", "KAIKEI"), ("KYOIKU", "KACHO"), ("KYOIKU", "KAKARICHO"),
    ("KYOIKU", "SHUJI"), ("KYOIKU", "KAIKEI"), ("JUMIN-MADO", "SHUJI"), ("KIKAKU", "SHUNIN"),
    ("SANGYO", "KAKARICHO"), ("KENSETSU", "HOSA"), ("SOMU-JOHO", "KAKARICHO"),
]
# fmt: on


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)
    accounts: list[DemoAccount] = field(default_factory=list)

    def count(self, kind: str, created: bool) -> None:
        self.created[kind] = self.created.get(kind, 0) + int(created)


@transaction.atomic
def seed_demo(*, today: datetime.date | None = None) -> SeedReport:
    today = today or local_today()
    report = SeedReport(accounts=list(DEMO_ACCOUNTS))
    _seed_groups()
    organization, created = Organization.objects.get_or_create(
        code=ORGANIZATION[0], defaults={"name": ORGANIZATION[1]}
    )
    report.count("organisations", created)
    departments = _seed_departments(organization, report)
    positions = _seed_positions(organization, report)
    fiscal_start, _ = fiscal_year_bounds(fiscal_year_of(today))
    users = _seed_users(organization, departments, positions, fiscal_start, report)
    _seed_glossary(report)
    tracks = _seed_curriculum(report)
    _seed_assignments(organization, tracks, departments, positions, today, report)
    quizzes = _seed_questions_and_quizzes(tracks, report)
    _seed_progress(users, tracks, today, report)
    _seed_skill_checks(users, quizzes, report)
    _seed_leader_interest(organization, users, today)
    authoring_setup(home=LearningHomePage.objects.first())
    by_number = {user.staff_number: user for user in users}
    track_editor_assign(track=tracks["dx-basics"][0], user=by_number["5001"], actor=Actor())
    for kind in ReportRun.Kind.values:
        # Built at once when no broker is configured (make run), else by the worker.
        report_request(
            organization=organization, kind=kind, as_of=today, trigger=ReportRun.Trigger.COMMAND
        )
    return report


def _seed_groups() -> None:
    for role in Role:
        Group.objects.get_or_create(name=role.value)


def _seed_departments(organization, report) -> dict[str, Department]:
    departments: dict[str, Department] = {}
    for order, (code, name, level, parent_code) in enumerate(DEPARTMENTS):
        department, created = Department.objects.get_or_create(
            organization=organization,
            code=code,
            defaults={
                "name": name,
                "level": level,
                "parent": departments.get(parent_code),
                "sort_order": order,
            },
        )
        departments[code] = department
        report.count("departments", created)
    return departments


def _seed_positions(organization, report) -> dict[str, Position]:
    positions = {}
    for code, name, rank in POSITIONS:
        positions[code], created = Position.objects.get_or_create(
            organization=organization, code=code, defaults={"name": name, "rank": rank}
        )
        report.count("positions", created)
    return positions


def _seed_users(organization, departments, positions, fiscal_start, report) -> list[User]:
    """The town's staff, on its roster (``User.organization``; 9001 too, the demo's operator
    who is also the town's site administrator)."""
    users = []
    names = itertools.product(FAMILY_NAMES, GIVEN_NAMES)
    others = [
        DemoAccount(
            f"{1100 + i}", family, given, family_kana, given_kana, dept, pos, Role.STAFF, ""
        )
        for i, ((dept, pos), ((family, family_kana), (given, given_kana))) in enumerate(
            zip(OTHER_POSTS, itertools.islice(names, 5, None), strict=False)
        )
    ]
    for account in [*DEMO_ACCOUNTS, *others]:
        user, created = User.objects.get_or_create(
            organization=organization,
            staff_number=account.staff_number,
            defaults={
                "family_name": account.family_name,
                "given_name": account.given_name,
                "family_name_kana": account.family_kana,
                "given_name_kana": account.given_kana,
                "email": f"staff{account.staff_number}@town.kagamino.example.jp",
                "is_staff": account.role == Role.ADMIN,
                "is_superuser": account.role == Role.ADMIN,
            },
        )
        report.count("staff", created)
        users.append(user)
        if not created:
            continue
        if account.password:
            user.set_password(account.password)
        else:
            user.set_unusable_password()
        user.save(update_fields=["password"])
        user.groups.add(*Group.objects.filter(name__in={Role.STAFF, account.role}))
        Membership.objects.create(
            user=user,
            department=departments[account.department],
            position=positions[account.position],
            valid_from=fiscal_start,
        )
    _seed_history(users, departments, positions, fiscal_start)
    return users


def _seed_history(users, departments, positions, fiscal_start) -> None:
    """Show what dated memberships are for: one April transfer and one concurrent post."""
    by_number = {user.staff_number: user for user in users}
    leader = by_number["5001"]
    if not Membership.objects.filter(user=leader, valid_to__isnull=False).exists():
        Membership.objects.create(
            user=leader,
            department=departments["JUMIN-MADO"],
            position=positions["SHUJI"],
            valid_from=fiscal_start.replace(year=fiscal_start.year - 2),
            valid_to=fiscal_start - datetime.timedelta(days=1),
        )
    it_policy = by_number["4001"]
    if not Membership.objects.filter(user=it_policy, is_primary=False).exists():
        Membership.objects.create(
            user=it_policy,
            department=departments["KIKAKU"],
            position=positions["SHUNIN"],
            is_primary=False,
            valid_from=fiscal_start,
        )


def _seed_glossary(report) -> None:
    for item in _load_toml("glossary.toml")["term"]:
        _, created = GlossaryTerm.objects.get_or_create(
            term=item["term"],
            defaults={"reading": item.get("reading", ""), "definition": item["definition"]},
        )
        report.count("glossary terms", created)


def _seed_curriculum(report) -> dict[str, tuple[TrackPage, dict]]:
    home = _learning_home(report)
    glossary = sorted(GlossaryTerm.objects.all(), key=lambda term: -len(term.term))
    tracks = {}
    for track_data in _load_toml("curriculum.toml")["track"]:
        track = _child_page(
            home,
            TrackPage,
            track_data["slug"],
            report,
            title=track_data["title"],
            intro=track_data["intro"],
            audience_note=AUDIENCE_NOTES[track_data["audience"]],
        )
        tracks[track_data["slug"]] = (track, track_data)
        for course_data in track_data["course"]:
            course = _child_page(
                track,
                CoursePage,
                course_data["slug"],
                report,
                title=course_data["title"],
                summary=course_data["summary"],
                estimated_minutes=course_data["minutes"],
                annual=course_data["annual"],
            )
            minutes = max(5, course_data["minutes"] // len(course_data["module"]))
            for module_data in course_data["module"]:
                _child_page(
                    course,
                    ModulePage,
                    module_data["slug"],
                    report,
                    title=module_data["title"],
                    estimated_minutes=minutes,
                    body=_module_body(module_data, glossary),
                )
    return tracks


AUDIENCE_NOTES = {
    "all": "全職員",
    "managers": "課長級以上の管理職",
    "leaders": "DX推進リーダーを目指す職員（希望者）",
    "counter": "窓口を担当する職員",
}


def _module_body(module_data: dict, glossary: list[GlossaryTerm]) -> list[tuple[str, object]]:
    source = (CURRICULUM_DIR / module_data["file"]).read_text(encoding="utf-8")
    body: list[tuple[str, object]] = []
    if module_data.get("point"):
        body.append(("callout", {"kind": "point", "text": f"<p>{module_data['point']}</p>"}))
    body.append(("markdown", source))
    if module_data.get("caution"):
        body.append(("callout", {"kind": "caution", "text": f"<p>{module_data['caution']}</p>"}))
    term = next((term for term in glossary if term.term in source), None)
    if term:
        body.append(("glossary_term", {"term": term}))
    return body


def _learning_home(report) -> LearningHomePage:
    home = LearningHomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        home = root.add_child(
            instance=LearningHomePage(
                title="研修一覧",
                slug="learning",
                intro="<p>鏡野町 DX 推進計画に沿った職員研修です。担当業務や職位に応じたトラックを順に学びましょう。</p>",
            )
        )
        home.save_revision().publish()
        report.count("pages", True)
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost",
            port=80,
            root_page=home,
            is_default_site=True,
            site_name="しんか Shinka",
        )
    elif site.root_page_id != home.id:
        old_root = site.root_page
        site.root_page = home
        site.site_name = "しんか Shinka"
        site.save()
        # Wagtail's "Welcome" placeholder page has nothing worth keeping.
        if type(old_root.specific) is Page and not old_root.get_children().exists():
            old_root.delete()
    return home


def _child_page(parent, model, slug, report, **fields):
    existing = model.objects.child_of(parent).filter(slug=slug).first()
    if existing:
        report.count("pages", False)
        return existing
    page = parent.add_child(instance=model(slug=slug, **fields))
    page.save_revision().publish()
    report.count("pages", True)
    return page


def _seed_assignments(organization, tracks, departments, positions, today, report) -> None:
    fiscal_year = fiscal_year_of(today)
    _, fiscal_end = fiscal_year_bounds(fiscal_year)
    rules = {
        # The basics are due by the end of September, so a demo run in the
        # second half of the year shows overdue marking.
        "all": {"due_date": datetime.date(fiscal_year, 9, 30), "applies_to_all": True},
        "managers": {
            "due_date": datetime.date(fiscal_year + 1, 1, 31),
            "positions": [p for p in positions.values() if p.is_manager],
        },
        "counter": {
            "due_date": fiscal_end.replace(day=15),
            "departments": [departments["JUMIN-MADO"], departments["JUMIN-ZEI"]],
        },
    }
    for track, data in tracks.values():
        if not data.get("required"):
            continue
        rule = rules[data["audience"]]
        assignment, created = TrackAssignment.objects.get_or_create(
            organization=organization,
            track=track,
            fiscal_year=fiscal_year,
            defaults={
                "due_date": rule["due_date"],
                "applies_to_all": rule.get("applies_to_all", False),
            },
        )
        if created:
            assignment.departments.set(rule.get("departments", []))
            assignment.positions.set(rule.get("positions", []))
        report.count("assignments", created)


def _seed_questions_and_quizzes(tracks, report) -> dict[str, Quiz]:
    """Question banks from questions.toml. Each course bank belongs to the course's
    track and becomes a quiz in the course's last module; the bank without a course
    is IT policy's skill-check bank, from which two skill checks draw."""
    areas = {area.code: area for area in SkillArea.objects.all()}
    quizzes: dict[str, Quiz] = {}
    for bank_data in _load_toml("questions.toml")["bank"]:
        track = course = None
        if "course" in bank_data:
            track_slug, course_slug = bank_data["course"].split("/")
            track = tracks[track_slug][0]
            course = CoursePage.objects.child_of(track).get(slug=course_slug)
        bank, created = QuestionBank.objects.get_or_create(
            slug=bank_data["slug"],
            defaults={
                "title": bank_data["title"],
                "kind": Quiz.Kind.QUIZ if course else Quiz.Kind.SKILL_CHECK,
                "track": track,
            },
        )
        if created:
            _publish(bank)
        report.count("question banks", created)
        questions = [_question(bank, data, areas, report) for data in bank_data["question"]]
        if course:
            quizzes[bank_data["slug"]] = _course_quiz(course, questions, report)
    for key, title, levels, minutes in SKILL_CHECKS:
        quiz, created = Quiz.objects.get_or_create(
            title=title,
            defaults={
                "kind": Quiz.Kind.SKILL_CHECK,
                "introduction": SKILL_CHECK_INTRO,
                "pass_mark_percent": 0,
                "time_limit_minutes": minutes,
            },
        )
        if created:
            QuizDrawRule.objects.bulk_create(
                QuizDrawRule(quiz=quiz, area=area, level=level, count=3, sort_order=index)
                for index, (area, level) in enumerate(
                    (area, level)
                    for area in areas.values()
                    if area.parent_id is None
                    for level in levels
                )
            )
            _publish(quiz)
        report.count("quizzes", created)
        quizzes[key] = quiz
    return quizzes


SKILL_CHECKS = [
    ("check-basic", "DX リテラシー スキル診断（基礎・中級）", (1, 2), 40),
    ("check-advanced", "DX リテラシー スキル診断（上級）", (3,), 25),
]
SKILL_CHECK_INTRO = (
    "DX リテラシー標準の 6 つの分野から出題します。"
    "結果は「マイスキル」に分野ごとの習熟度として記録され、何度でも受け直せます。"
)


def _question(bank, data, areas, report) -> Question:
    question, created = Question.objects.get_or_create(
        bank=bank,
        text=data["text"],
        defaults={
            "area": areas[data["area"]],
            "level": data["level"],
            "kind": data["kind"],
            "explanation": data["explanation"],
        },
    )
    if created:
        error = choice_set_error(data["kind"], [c["correct"] for c in data["choices"]])
        if error:
            raise ValueError(f"{bank.slug}: {data['text'][:30]}…: {error}")
        Choice.objects.bulk_create(
            Choice(question=question, text=c["text"], is_correct=c["correct"], sort_order=i)
            for i, c in enumerate(data["choices"])
        )
        _publish(question)
    report.count("questions", created)
    return question


def _publish(content) -> None:
    """Publish what the seed made (a bank, a question with its choices, a quiz with its
    questions and draw rules) as IT policy's reviewed version: one revision, live, as the
    upgrade (migration 0005) leaves existing content. Learners are asked the live version;
    the admin shows its history and compares the first change under review with it."""
    content.save_revision().publish()


def _course_quiz(course: CoursePage, questions: list[Question], report) -> Quiz:
    quiz, created = Quiz.objects.get_or_create(
        title=f"確認テスト：{course.title}",
        defaults={
            "track": course.get_parent(),
            "introduction": "コースの内容を確認するテストです。",
            "attempt_limit": 3,
        },
    )
    report.count("quizzes", created)
    if created:
        QuizQuestion.objects.bulk_create(
            QuizQuestion(quiz=quiz, question=q, sort_order=i) for i, q in enumerate(questions)
        )
        _publish(quiz)
        course.skill_areas.set({q.area.parent_id for q in questions})
        course.save_revision().publish()
    last_module = ModulePage.objects.child_of(course).order_by("path").last()
    if quiz.id not in quiz_ids_in(last_module.body):
        last_module.body.append(("quiz", {"quiz": quiz}))
        last_module.save_revision().publish()
    return quiz


def _seed_progress(users, tracks, today, report) -> None:
    """Give some staff partial progress: a deterministic spread, not random.

    Modules with a quiz are completed the real way: an attempt answered correctly.
    """
    basics, _ = tracks["dx-basics"]
    modules = list(ModulePage.objects.live().descendant_of(basics).order_by("path"))
    quizzes = Quiz.objects.in_bulk([qid for m in modules for qid in quiz_ids_in(m.body)])
    now = timezone.now()
    for index, user in enumerate(users):
        if user.staff_number == "1001":
            done = 5  # the staff demo account: part way through, with a place to resume
        else:
            done = (index * 5) % (len(modules) + 1)
        for step, module in enumerate(modules[:done]):
            at = now - datetime.timedelta(days=(done - step) * 3, hours=index)
            attempt = None
            for quiz_id in quiz_ids_in(module.body):
                attempt = _passed_attempt(user, quizzes[quiz_id], module, at)
            result = module_complete(user=user, module=module, at=at, via_attempt=attempt)
            report.count("module completions", result.created)


def _passed_attempt(user, quiz, module, at) -> Attempt:
    existing = Attempt.objects.filter(user=user, quiz=quiz, passed=True).first()
    if existing:
        return existing
    attempt = attempt_start(
        user=user, quiz=quiz, context=f"module:{module.id}", now=at, rng=random.Random(user.pk)
    )
    answers = {
        aq.question_id: aq.tokens_for(aq.correct_choice_ids) for aq in attempt.questions.all()
    }
    return attempt_submit(
        user=user, token=attempt.token, answers=answers, now=at + datetime.timedelta(minutes=8)
    ).attempt


def _seed_skill_checks(users, quizzes, report) -> None:
    """Skill-check attempts with a realistic spread of ability; some staff took it twice
    and improved, so history shows growth (進化)."""
    basic, advanced = quizzes["check-basic"], quizzes["check-advanced"]
    now = timezone.now()
    for index, user in enumerate(users):
        if Attempt.objects.filter(user=user, quiz__kind=Quiz.Kind.SKILL_CHECK).exists():
            continue
        if index % 7 == 6:
            continue  # a few staff have not taken it yet
        rng = random.Random(f"shinka-demo-{user.staff_number}")
        ability = 0.62 + (index * 37 % 38) / 100  # 0.62 … 0.99, spread over the staff
        sittings = [(basic, ability, 90)]
        if index % 3 == 0:
            sittings.append((basic, min(ability + 0.15, 0.99), 10))
        if ability > 0.85:
            sittings.append((advanced, ability, 5))
        for quiz, skill, days_ago in sittings:
            at = now - datetime.timedelta(days=days_ago, hours=index)
            attempt = attempt_start(user=user, quiz=quiz, now=at, rng=rng)
            answers = {}
            for aq in attempt.questions.all():
                chance = skill - 0.08 * (aq.level - 1)
                wrong = [c for c in aq.choice_order if c not in aq.correct_choice_ids]
                answers[aq.question_id] = aq.tokens_for(
                    aq.correct_choice_ids if rng.random() < chance else wrong[:1]
                )
            attempt_submit(
                user=user,
                token=attempt.token,
                answers=answers,
                now=at + datetime.timedelta(minutes=25),
            )
            report.count("skill-check attempts", True)


INTERESTS = {
    "5001": "kintone で窓口の予約受付アプリを作りました。ほかの課の業務改善も手伝えます。",
    "1103": "Excel のマクロで税の集計を自動化しています。RPA にも挑戦したいです。",
    "1110": "マイナンバーカードの出張申請窓口を担当しました。高齢の方への説明が得意です。",
}


def _seed_leader_interest(organization, users, today) -> None:
    """A few volunteers (手挙げ) and one endorsement by the 住民税務課 head."""
    fiscal_year = fiscal_year_of(today)
    by_number = {user.staff_number: user for user in users}
    for number in ("5001", "1103", "1110"):
        if number in by_number:
            leader_volunteer(user=by_number[number], volunteer=True, fiscal_year=fiscal_year)
    # What volunteers wrote on their profile page (only where they have not written anything).
    for number, text in INTERESTS.items():
        User.objects.filter(organization=organization, staff_number=number, interests="").update(
            interests=text
        )
    if "1108" in by_number:
        leader_endorse(
            head=by_number["2001"], member=by_number["1108"], endorse=True, fiscal_year=fiscal_year
        )


def _load_toml(name: str) -> dict:
    return tomllib.loads((CURRICULUM_DIR / name).read_text(encoding="utf-8"))
