"""The access table: who may open which screen, as data (issue 14; docs/security.md, "The
access matrix"). tests/test_access_matrix.py requests every route of the URL resolver as
every role of town A, with objects of town A and of town B, and compares with this table.

Each entry is keyed by a route name (``ns:name``), or for an unnamed pattern by its full
route. For Wagtail's and Django's own built-in namespaces a namespace pattern
(``wagtailimages:*``) may stand for all their routes, with the reason; every route of
our apps and of our viewsets has its own exact entry (``OUR_NAMESPACES``).

An entry says:

- ``args``: which path argument is an object of which kind (``KINDS``): the test fills it
  with town A's object and, for a town's kinds, again with town B's;
- ``ok``: the roles of town A for whom the route (with town A's object) is ``ok`` — a 2xx,
  or a redirect that is the feature itself. Everyone else is ``denied``: 403/404, sent to
  sign in, or from an admin address sent to マイページ or to the Wagtail admin's home;
- ``other_town``: the roles of town A for whom town B's object is ``ok`` — empty unless
  ``why_other_town`` says why (nobody sees another town's objects);
- ``cases``: the same route asked again with other (shared) objects, each with its own
  ``ok`` — a quiz-content screen with IT policy's skill-check object and again, as the case
  ``own track``, with the DX leader's track's (results keyed ``route[own track]``);
- ``post``: the route changes something (POST only, or not safe to GET). It is asked with
  GET all the same and must refuse: 405, 403, 404 or a redirect; never a 2xx, never a 500.

The expectations are the promise (docs/security.md and the README): staff see their own;
department heads their department; HR completion of their town; IT policy skills of their
town; DX leaders author their tracks; the town's administrator their town; the platform
operator (a superuser without a post) no town's personal data; nobody another town's
objects. Where the code does not keep it yet, the expectation stays and the cell is listed
in ``KNOWN_LEAKS_FIXED_ON_OTHER_BRANCHES`` (with the branch that fixes it) or
``KNOWN_LEAKS_WITHOUT_A_BRANCH``: the matrix then passes only while those cells still fail.

To add a screen: add its route's entry here (its args, who may open it) — the matrix fails
until you do — and run ``pytest tests/test_access_matrix.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from config.settings.directory import saml_installed

# ---------------------------------------------------------------------------------------
# Roles of town A, in the order they are asked

ANONYMOUS = "anonymous"
STAFF = "staff"
HEAD = "dept_head"
HR = "hr"
IT_POLICY = "it_policy"
DX_LEADER = "dx_leader"
ADMIN = "admin"  # the town's site administrator (Role.ADMIN), with a post in town A
OPERATOR = "operator"  # a superuser with no post in any town

ROLES = (ANONYMOUS, STAFF, HEAD, HR, IT_POLICY, DX_LEADER, ADMIN, OPERATOR)

EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {ANONYMOUS}
TOWN_ROLES = SIGNED_IN - {OPERATOR}
NOBODY = frozenset()
# People with Wagtail's admin (``wagtailadmin.access_admin``): HR, IT policy, DX leaders,
# the town's administrator; the operator is a superuser.
ADMIN_USERS = frozenset({HR, IT_POLICY, DX_LEADER, ADMIN, OPERATOR})
AUTHORS = frozenset({IT_POLICY, DX_LEADER, OPERATOR})


def roles(*names) -> frozenset[str]:
    return frozenset(names)


# ---------------------------------------------------------------------------------------
# Kinds of objects in URLs: a town's (one in town A, one in town B) or shared by the
# deployment (one object; the route is asked once, town "-")

TOWN = "town"
SHARED = "-"

KINDS = {
    # a town's
    "user": TOWN,  # a member of staff of the town, in the department town A's head heads
    "position": TOWN,  # 主事: each town has its own positions (Position.organization)
    "department": TOWN,  # 住民課: the department town A's head heads (with 窓口係)
    "track_assignment": TOWN,
    "exemption": TOWN,  # the town's member of staff exempted from the town's track (育児休業)
    "report_run": TOWN,  # an HR completion report, built, with its files
    "audit_event": TOWN,  # a download of personal data by the town's HR about its staff
    "outgoing_mail": TOWN,  # a reminder to the town's member of staff that could not be sent
    "attempt": TOWN,  # a skill-check attempt of town A's staff member (theirs), of B's staff
    "module_attempt": TOWN,  # a module quiz attempt, likewise, in the town's module
    "module": TOWN,  # a module page of a track of the town
    "attestation_module": TOWN,  # a module of the town's course that asks for attestation
    "page": TOWN,  # the same module page, in the page admin
    "parent_page": TOWN,  # the course above it
    "page_path": TOWN,  # the module's path on town A's site
    "page_revision": TOWN,
    "page_view_restriction": TOWN,  # a password restriction on a track of the town
    "restricted_page": TOWN,  # that track
    "organization": TOWN,
    "site": TOWN,  # the town's own Wagtail site (Organization.site)
    "email_address": TOWN,  # allauth's address of the town's member of staff
    "authenticator": TOWN,  # their TOTP device
    "calendar_feed": TOWN,  # the token of the private calendar feed of the town's staff member
    # shared by every town: content and reference data, not personal data
    "fiscal_year": SHARED,
    "file_format": SHARED,
    "skill_check": SHARED,
    "quiz": SHARED,
    "question": SHARED,
    "question_revision": SHARED,
    "question_bank": SHARED,
    "skill_area": SHARED,
    "glossary_term": SHARED,
    "group": SHARED,  # role groups are shared by every town (docs/security.md)
    "image": SHARED,
    "rendition_file": SHARED,
    "document": SHARED,
    "document_filename": SHARED,
    "restricted_document": SHARED,
    "collection": SHARED,
    "collection_view_restriction": SHARED,
    "workflow": SHARED,
    "task": SHARED,
    "tag": SHARED,
    "user_content_type": SHARED,
    "workflow_state": TOWN,  # the module's page in the review workflow
    "task_state": TOWN,
    "glossary_revision": SHARED,
    "completed_course": TOWN,  # a course of the town that its member of staff completed
    "certificate": TOWN,  # the 修了証 number of that completion (Certificate.number_display)
    "recorded_completion": TOWN,  # a completion HR recorded for that person, with evidence
    # a training session of the town's course, organised by town A's IT policy (B: its HR)
    "training_session": TOWN,
    # Quiz content under review (DraftStateMixin, revisions, the review workflow), two of
    # each: IT policy's skill-check content (``skill_check``, ``question``, ``question_bank``)
    # and the module-quiz content of the DX leader's own track of town A (``quiz``,
    # ``track_question``, ``track_bank``), each published, with a later draft revision and
    # in the review workflow (its workflow state and current task state).
    "track_question": SHARED,
    "track_bank": SHARED,
}
REVIEWED_KINDS = (
    "skill_check",
    "quiz",
    "question",
    "track_question",
    "question_bank",
    "track_bank",
)
for _kind in REVIEWED_KINDS:
    for _suffix in ("revision", "workflow_state", "task_state"):
        KINDS[f"{_kind}_{_suffix}"] = SHARED

# Values that are not objects (names in URLs), filled as they are.
LITERALS = {
    "app_label": "lms",
    "page_app_label": "courses",
    "page_model_name": "modulepage",
    "task_app_label": "wagtailcore",
    "task_model_name": "groupapprovaltask",
    "tag_app_label": "wagtailimages",
    "tag_model_name": "image",
    "settings_app_label": "lms",  # no settings are registered: every such URL is a 404
    "settings_model_name": "none",
    "settings_pk": 1,
    "bulk_app_label": "lms",
    "bulk_model_name": "user",
    "bulk_action": "set_active_state",
    "api_action": "copy",
    "workflow_action_name": "approve",
    "revision_earliest": "earliest",
    "revision_latest": "latest",
    "filter_spec": "fill-10x10",
    "uploaded_file": 999999,  # nobody has an upload in progress
    "editing_session": 999999,
    "editing_app_label": "wagtailcore",
    "editing_model_name": "page",
    "uidb64": "MQ",
    "reset_token": "x-1234",
    "uidb36": "1",
    "allauth_key": "abc",
    "admin_catch_all": "nothing-here/",
    "certificate_cycle": 0,  # a one-off course's certificate
}
KINDS.update(dict.fromkeys(LITERALS, SHARED))


# ---------------------------------------------------------------------------------------
# Entries


@dataclass(frozen=True)
class Case:
    """The route asked again with other objects (``args`` replaced), and who gets ``ok``
    then: e.g. a quiz snippet screen with IT policy's skill check, and again with the module
    quiz of the DX leader's own track. Its results are keyed ``route[label]``."""

    label: str
    args: dict
    ok: frozenset[str]


@dataclass(frozen=True)
class Entry:
    key: str
    ok: frozenset[str]
    args: dict = field(default_factory=dict)
    other_town: frozenset[str] = frozenset()
    why_other_town: str = ""
    post: bool = False
    why: str = ""
    query: dict = field(default_factory=dict)  # query parameter → kind (e.g. ?id=<user>)
    variants: tuple[str, ...] = ("",)  # extra query strings asked too (``?export=csv``)
    shadowed_by: str = ""  # another pattern answers this URL first: nothing to request
    example: str = ""  # the URL asked for an unnamed regex pattern (no names to fill)
    ok_means: str = "ok"  # what an allowed role gets ("error": Wagtail's own error test)
    redirect_denies: bool = False  # a redirect here sends the person elsewhere: denied
    # Roles for whom an ``ok`` page must not show the town's personal data (the staff number
    # of the town's member of staff whose data the matrix asks for): the operator's screens.
    no_personal_data_for: frozenset[str] = frozenset()
    cases: tuple[Case, ...] = ()  # the same route with other objects (shared kinds only)

    def expected(self, role: str, town: str) -> str:
        if self.post:
            return "refused"
        allowed = self.other_town if town == "B" else self.ok
        return self.ok_means if role in allowed else "denied"

    def problems(self) -> list[str]:
        found = [f"unknown role {r!r}" for r in self.ok | self.other_town if r not in ROLES]
        if self.other_town and not self.why_other_town:
            found.append("town B's object is open to someone: say why (why_other_town)")
        kinds = [*self.args.values(), *self.query.values()]
        for case in self.cases:
            kinds += case.args.values()
            found += [f"{case.label}: unknown role {r!r}" for r in case.ok if r not in ROLES]
            found += [
                f"{case.label}: not a path argument {p!r}" for p in case.args if p not in self.args
            ]
        found += [f"unknown kind {k!r}" for k in kinds if k not in KINDS]
        if self.cases and any(KINDS.get(k) == TOWN for k in kinds):
            found.append("cases are for shared kinds only (town B is not asked per case)")
        return found

    def for_case(self, case: Case) -> Entry:
        return replace(self, args={**self.args, **case.args}, ok=case.ok, cases=())


ENTRIES: dict[str, Entry] = {}
PATTERN_ENTRIES: dict[str, Entry] = {}

# Our own apps and viewsets: never covered by a pattern, each route needs its own entry.
OUR_NAMESPACES = (
    "lms:",
    "courses:",
    "wagtailsnippets_assessments_",
    "wagtailsnippets_content_",
    "wagtailsnippetchoosers_assessments_",
    "wagtailsnippetchoosers_content_",
    "department:",  # lms/wagtail_hooks.py's ModelViewSets
    "position:",
    "trackassignment:",
    "exemption:",
    "audit_log:",
    "outgoing_mail:",
    "wagtailusers_users:",  # StaffUserViewSet (lms/people/wagtail_users.py)
    "admin:",  # the Django admin: OperatorAdminSite and our ModelAdmins
    "roster_",
    "person_password_reset",
    "question_statistics",
    "stale_modules",
    "module_attestations",
    "markdown_preview",
    "authoring_guide",
    "healthz",
)


def add(key: str, ok=NOBODY, *, args=None, other_town=NOBODY, query=None, **fields):
    target = PATTERN_ENTRIES if key.endswith("*") else ENTRIES
    assert key not in target, f"two entries for {key}"
    target[key] = Entry(
        key=key,
        ok=frozenset(ok),
        args=dict(args or {}),
        other_town=frozenset(other_town),
        query=dict(query or {}),
        **fields,
    )


# ---------------------------------------------------------------------------------------
# The site (config/urls.py, lms/urls.py, courses/urls.py)

add("healthz", EVERYONE, why="the load balancer's check; says nothing about anyone")
add(
    "media/images/<path:path>",
    NOBODY,
    args={"path": "rendition_file"},
    why="image renditions, the one public part of MEDIA_ROOT, are served by the proxy; the "
    "application answers 404 unless DEBUG (make run)",
)
add("lms:mypage", SIGNED_IN, why="one's own page")
add("lms:profile", SIGNED_IN)
add("lms:skills", SIGNED_IN)
add("lms:calendar", SIGNED_IN, why="one's own calendar address")
add("lms:calendar_create", post=True)
add("lms:calendar_revoke", post=True)
add(
    "lms:calendar_feed",
    EVERYONE,
    args={"token": "calendar_feed"},
    other_town=EVERYONE,
    why="a calendar app signs in to nothing: the secret address is the permission (wrong, "
    "unknown or stopped: 404); it carries only titles and due dates",
    why_other_town="the same: whoever holds a feed's secret address reads that feed",
)
add("search", SIGNED_IN, why="finds only the searcher's own towns' live pages")
add("lms:volunteer", post=True)
add(
    "lms:person_progress",
    roles(HEAD, HR, ADMIN),
    args={"user_id": "user"},
    why="completion: the person's head, HR and the town's administrator; never IT policy",
)
add(
    "lms:person_skills",
    roles(IT_POLICY, ADMIN),
    args={"user_id": "user"},
    why="measured skills: IT policy and the town's administrator only",
)
add("lms:person_export", roles(HR, ADMIN), args={"user_id": "user"}, why="開示請求: HR's")
add(
    "lms:person_transcript",
    roles(HEAD, HR, ADMIN),
    args={"user_id": "user"},
    why="受講履歴, as the person's progress: their head, HR and the town's administrator",
)
add(
    "lms:transcript_download",
    roles(HEAD, HR, ADMIN),
    args={"user_id": "user"},
    why="the 受講履歴 CSV: as the page (staff download their own)",
)
add(
    "lms:certificate_download",
    roles(HEAD, HR, ADMIN),
    args={"user_id": "user", "page_id": "completed_course", "cycle": "certificate_cycle"},
    why="a 修了証 is issued to the person and to those who see their progress",
)
add(
    "lms:completion_record",
    roles(HEAD, HR, ADMIN),
    args={"user_id": "user"},
    why="a recorded completion: HR (and the administrator) for the town's people, the head "
    "for their department's; nobody for themselves (docs/records.md)",
)
add(
    "lms:completion_evidence",
    roles(HEAD, HR, ADMIN),
    args={"user_id": "user", "completion_id": "recorded_completion"},
    why="a recorded completion's evidence file: as the person's progress (audited)",
)
add(
    "lms:sessions",
    TOWN_ROLES,
    why="the town's training sessions and one's own registrations (docs/sessions.md); the "
    "operator holds no post in a town",
)
add("lms:session_manage", roles(HR, ADMIN), why="HR's list of the town's sessions")
add("lms:session_create", roles(HR, ADMIN), why="HR creates the town's sessions")
add(
    "lms:session_detail",
    TOWN_ROLES,
    args={"session_id": "training_session"},
    why="a session of one's own town (when, where, seats); registrants only for its "
    "organiser and HR",
)
add(
    "lms:session_edit",
    roles(HR, ADMIN),
    args={"session_id": "training_session"},
    why="HR changes the town's sessions",
)
add("lms:session_register", args={"session_id": "training_session"}, post=True)
add("lms:session_cancel", args={"session_id": "training_session"}, post=True)
add(
    "lms:session_attendance",
    roles(IT_POLICY, HR, ADMIN),
    args={"session_id": "training_session"},
    why="the attendance sheet: the session's organiser (here town A's IT policy) and HR",
)
add("lms:transcript", SIGNED_IN, why="one's own learning record")
add("lms:certificate_verify", SIGNED_IN, why="the form: asks for a number, shows nobody's data")
add(
    "lms:certificate_verify_number",
    roles(HR, ADMIN),
    args={"number": "certificate"},
    why="the person and their town's HR; everyone else, another town's HR too, is told "
    "'not found' (404)",
)
add("lms:person_anonymise", args={"user_id": "user"}, post=True)
add(
    "lms:hr_dashboard",
    roles(HEAD, HR, ADMIN),
    why="HR and administrators; a head is sent to their own department (the feature)",
)
add(
    "lms:survey_index",
    roles(HR, IT_POLICY, DX_LEADER, ADMIN),
    why="survey results (totals only): HR, the administrator, IT policy, DX leaders (their "
    "tracks' courses are listed)",
)
add(
    "lms:survey_result",
    roles(HR, IT_POLICY, DX_LEADER, ADMIN),
    args={"course_id": "completed_course"},
    why="a course's survey totals: its town's HR, administrator and IT policy, and the DX "
    "leaders of its track; another town's course is 404",
)
add(
    "lms:attestations",
    roles(HR, ADMIN),
    why="確認・同意の記録 (names): HR and the administrator; authors read the counts alone",
)
add(
    "lms:attestation_list",
    roles(HR, ADMIN),
    args={"module_id": "attestation_module"},
    why="who of the town attested the module; another town's module is 404",
)
add(
    "lms:attestation_download",
    roles(HR, ADMIN),
    args={"module_id": "attestation_module"},
    why="the same list as CSV, audited",
)
add("lms:year_end_index", roles(HR, ADMIN), why="redirects HR to last year's page")
add("lms:year_end", roles(HR, ADMIN), args={"fiscal_year": "fiscal_year"})
add(
    "lms:year_end_close",
    roles(HR, ADMIN),
    args={"fiscal_year": "fiscal_year"},
    why="GET is the confirmation page; closing is a POST",
)
add(
    "lms:year_end_rollover",
    roles(HR, ADMIN),
    args={"fiscal_year": "fiscal_year"},
    why="GET is the preview; applying it is a POST",
)
add(
    "lms:department_dashboard",
    roles(HEAD, HR, ADMIN),
    args={"department_id": "department"},
    why="the head of this department, HR and administrators of its town",
)
add("lms:endorse", args={"department_id": "department", "user_id": "user"}, post=True)
add(
    "lms:department_remind",
    args={"department_id": "department"},
    post=True,
    why="いますぐ通知: a POST (the confirmation, then the send) by the head or HR of its town",
)
add("lms:town_remind", post=True, why="いますぐ通知 for the whole town: a POST by HR")
add(
    "lms:person_remind",
    args={"user_id": "user"},
    post=True,
    why="いますぐ通知 for one person: a POST by their head or their town's HR",
)
add("lms:it_dashboard", roles(IT_POLICY, ADMIN))
add("lms:leader_criteria", roles(IT_POLICY, ADMIN), why="GET is the form; saving is a POST")
add("lms:report_request", post=True)
add("lms:report_detail", roles(HR, ADMIN), args={"run_id": "report_run"})
add(
    "lms:report_rebuild",
    roles(HR, ADMIN),
    args={"run_id": "report_run"},
    why="GET is the form with the reason; the rebuild is a POST",
)
add(
    "lms:report_download",
    roles(HR, ADMIN),
    args={"run_id": "report_run", "file_format": "file_format"},
)
add("lms:skill_check_start", args={"quiz_id": "skill_check"}, post=True)
add("lms:attempt_take", roles(STAFF), args={"token": "attempt"}, why="the learner's own attempt")
add("lms:attempt_autosave", args={"token": "attempt"}, post=True)
add(
    "lms:attempt_submit",
    args={"token": "attempt"},
    post=True,
    why="GET (back from signing in) sends the owner to the attempt; others get 404",
)
add("lms:session_extend", post=True, why="「ログインを続ける」: a POST that touches one's session")
add(
    "lms:attempt_result",
    roles(STAFF),
    args={"token": "attempt"},
    why="own attempt; while in progress it sends the learner back to it (the feature)",
)
add("courses:module_complete", args={"module_id": "module"}, post=True)
add(
    "courses:survey",
    args={"course_id": "completed_course"},
    why="one's own survey, open only after completing the course in this cycle (and only when "
    "the course has questions): nobody of the matrix completed it but the subject, so 404",
)
add("courses:survey_skip", args={"course_id": "completed_course"}, post=True)
add(
    "courses:module_attest",
    args={"module_id": "module"},
    post=True,
    why="「内容を確認し、遵守します」",
)
add("courses:module_quiz_start", args={"module_id": "module", "quiz_id": "quiz"}, post=True)
add(
    "courses:module_quiz_take",
    roles(STAFF),
    args={"module_id": "module", "token": "module_attempt"},
)
add(
    "courses:module_quiz_autosave",
    args={"module_id": "module", "token": "module_attempt"},
    post=True,
)
add(
    "courses:module_quiz_submit", args={"module_id": "module", "token": "module_attempt"}, post=True
)
add(
    "courses:module_quiz_result",
    roles(STAFF),
    args={"module_id": "module", "token": "module_attempt"},
)

# ---------------------------------------------------------------------------------------
# Sign-in and one's own account (allauth): nobody else's data on any of these pages

add("account_login", EVERYONE, why="signed-in people are sent on to マイページ")
add("account_logout", SIGNED_IN, why="GET asks to confirm; signing out is a POST")
add("account_inactive", EVERYONE)
add("account_signup", EVERYONE, why="says sign-up is closed (test_there_is_no_open_sign_up)")
add("account_reauthenticate", SIGNED_IN)
add("account_request_reauthentication_code", SIGNED_IN, why="login by code is off: sent on")
add("account_confirm_reauthentication_code", SIGNED_IN, why="login by code is off: sent on")
add("account_email", SIGNED_IN, why="one's own addresses")
add("account_email_verification_sent", EVERYONE)
add("account_change_password", SIGNED_IN)
add("account_set_password", SIGNED_IN, why="someone with a password is sent to change it")
add("account_reset_password", EVERYONE)
add("account_reset_password_done", EVERYONE)
add("account_confirm_login_code", SIGNED_IN, why="login by code is off: sent on")
add("account_confirm_email", EVERYONE, args={"key": "allauth_key"}, why="a bad key is a page")
add("account_reset_password_from_key_done", EVERYONE)
add(
    "account_reset_password_from_key",
    EVERYONE,
    args={"uidb36": "uidb36", "key": "allauth_key"},
    why="a bad key says so",
)
add("mfa_index", SIGNED_IN, why="one's own two-factor settings")
add("mfa_authenticate", SIGNED_IN, why="between password and code at sign-in; signed in: sent on")
add("mfa_reauthenticate", SIGNED_IN, why="asks one's own code again (without two-factor: sent on)")
add("mfa_activate_totp", SIGNED_IN, why="set up, or sent to the two-factor page when done")
add(
    "mfa_deactivate_totp",
    SIGNED_IN - {STAFF},
    why="one's own authenticator (asks for the password first); staff without one: 404",
)
add("mfa_view_recovery_codes", NOBODY, why="one's own codes; 404 until generated (none here)")
add("mfa_generate_recovery_codes", SIGNED_IN, why="GET asks to confirm")
add("mfa_download_recovery_codes", NOBODY, why="one's own codes; 404 until generated")
add("set_language", post=True, why="GET only redirects back")
# Signing in through the town's directory (lms/people/directory.py; the round trips are in
# tests/integration/test_directory_oidc.py against a real OpenID provider).
add(
    "openid_connect_login",
    example="/accounts/oidc/no-such-idp/login/",
    post=True,
    why="no directory is registered in the matrix: 404; with one, GET asks to confirm",
)
add(
    "openid_connect_callback",
    example="/accounts/oidc/no-such-idp/login/callback/",
    why="no directory is registered in the matrix: 404",
)
# SAML 2.0 (lms/people/directory_saml.py; round trips in tests/integration/test_directory_saml.py
# against real pysaml2 IdPs). The routes exist only with the `saml` extra installed.
if saml_installed():
    add(
        "saml_login",
        example="/accounts/saml/no-such-idp/login/",
        post=True,
        why="no SAML IdP is registered in the matrix: 404; with one, GET asks to confirm",
    )
    add(
        "saml_metadata",
        example="/accounts/saml/no-such-idp/metadata/",
        why="no SAML IdP is registered in the matrix: 404 (with one: the public SP metadata)",
    )
    add(
        "saml_sls",
        example="/accounts/saml/no-such-idp/sls/",
        why="no SAML IdP is registered in the matrix: 404",
    )
    add(
        "saml_acs",
        example="/accounts/saml/no-such-idp/acs/",
        redirect_denies=True,
        why="keeps what was posted and sends on to the last step (which answers 404 here)",
    )
    add(
        "saml_finish_acs",
        example="/accounts/saml/no-such-idp/acs/finish/",
        why="no SAML IdP is registered in the matrix: 404",
    )
add("socialaccount_connections", SIGNED_IN, why="one's own directory link, if any")
add("socialaccount_login_cancelled", EVERYONE, why="says the sign-in was cancelled")
add("socialaccount_login_error", why="allauth's page that the sign-in failed answers 401")
add("socialaccount_signup", why="no directory sign-up pending: sent to sign in")
for _old in ("connections/", "login/cancelled/", "login/error/", "signup/"):
    add(f"accounts/social/{_old}", EVERYONE, why="allauth's old address: a redirect to the new")

# ---------------------------------------------------------------------------------------
# Pages and documents on the site

add(
    "wagtail_serve",
    SIGNED_IN,
    args={0: "page_path"},
    why="the catalogue is for signed-in staff; town B's pages are not on town A's site",
)
add(
    "wagtailcore_authenticate_with_password",
    EVERYONE,
    args={"page_view_restriction_id": "page_view_restriction", "page_id": "restricted_page"},
    other_town=EVERYONE,
    why_other_town="the form shows nothing of the page; the page itself stays closed",
    why="Wagtail's password form for a restricted page (a form, no content)",
)
add("wagtailcore_login", EVERYONE, why="Wagtail's front-end login: allauth's")
add(
    "wagtaildocs_serve",
    SIGNED_IN,
    args={0: "document", 1: "document_filename"},
    why="documents need sign-in (content/wagtail_hooks.py)",
)
add(
    "wagtaildocs_authenticate_with_password",
    EVERYONE,
    args={"restriction_id": "collection_view_restriction"},
    why="Wagtail's password form for a restricted collection (a form, no file)",
)

# ---------------------------------------------------------------------------------------
# The Wagtail admin (/admin/): who has it at all — HR, IT policy, DX leaders, the town's
# administrator and the operator. Staff and heads are sent to マイページ.

add(
    "admin/login/",
    NOBODY,
    why="our redirect to allauth's sign-in (config/urls.py), before Wagtail's own: everyone "
    "is sent to sign in (read as denied)",
)
add("wagtailadmin_login", shadowed_by="admin/login/")
add("admin/test404/", ADMIN_USERS, why="Wagtail's 404 template shown as a page (no data)")
add(
    "admin/^.*/$",
    NOBODY,
    args={},
    example="/admin/nothing-here/",
    why="an unknown admin address: 404 for admin users, マイページ for others",
)
add("wagtailadmin_error_test", ADMIN_USERS, ok_means="error", why="Wagtail's own error test raises")
add(
    "wagtailadmin_*",
    ADMIN_USERS,
    why="Wagtail's general admin screens (home, account, choosers, autocomplete, catalogues "
    "of strings): no town's data",
)
add("wagtailadmin_logout", ADMIN_USERS, post=True, why="signing out is a POST")
add("wagtailadmin_password_reset", NOBODY, why="off (WAGTAIL_PASSWORD_RESET_ENABLED)")
add("wagtailadmin_password_reset_done", NOBODY, why="off")
add("wagtailadmin_password_reset_complete", NOBODY, why="off")
add(
    "wagtailadmin_password_reset_confirm",
    NOBODY,
    args={"uidb64": "uidb64", "token": "reset_token"},
    why="off",
)
add("wagtailadmin_dismissibles", ADMIN_USERS)
STATIC = "static; signed-in people without the admin are sent to マイページ (content.middleware)"
add("wagtailadmin_sprite", EVERYONE - {STAFF, HEAD}, why="the admin's icons: " + STATIC)
add("wagtailadmin_javascript_catalog", EVERYONE - {STAFF, HEAD}, why="translations: " + STATIC)
add("wagtailadmin_block_preview", NOBODY, why="needs a block to preview (404 without one)")
add(
    "wagtail_bulk_action",
    roles(HR, ADMIN, OPERATOR),
    args={"app_label": "bulk_app_label", "model_name": "bulk_model_name", "action": "bulk_action"},
    query={"id": "user"},
    other_town=roles(OPERATOR),
    why_other_town="accounts are the operator's (grants: any group, anyone)",
    why="GET is the confirmation of a bulk action on the user list; HR and the town's "
    "administrator for people of their town (lms.people.grants)",
)

PAGE_ADMIN = dict(
    ok=AUTHORS,
    other_town=roles(OPERATOR),
    why_other_town="content, not personal data; the operator is Wagtail's superuser",
)
add(
    "wagtailadmin_pages:*",
    args={
        "page_id": "page",
        "pk": "page",
        "parent_page_id": "parent_page",
        "page_to_move_id": "page",
        "destination_id": "parent_page",
        "revision_id": "page_revision",
        "revision_id_a": "revision_earliest",
        "revision_id_b": "revision_latest",
        "content_type_app_name": "page_app_label",
        "content_type_model_name": "page_model_name",
        "app_label": "page_app_label",
        "model_name": "page_model_name",
        "action_name": "workflow_action_name",
        "task_state_id": "task_state",
        "task_id": "task",
        "workflow_state_id": "workflow_state",
    },
    why="IT policy edits every page of its town's home, a DX leader the tracks given to "
    "them (the module asked for is in the DX leader's track)",
    **PAGE_ADMIN,
)
PUBLISHERS = roles(IT_POLICY, OPERATOR)
for _view in (
    "delete",
    "unpublish",
    "move",
    "set_privacy",
    "workflow_action",
    "collect_workflow_action_data",
    "workflow_preview",
    "revisions_unschedule",
):
    _args = {"page_id": "page"}
    if _view == "move":
        _args = {"page_to_move_id": "page"}
    if _view in ("workflow_action", "collect_workflow_action_data"):
        _args.update(action_name="workflow_action_name", task_state_id="task_state")
    if _view == "workflow_preview":
        _args.update(task_id="task")
    if _view == "revisions_unschedule":
        _args.update(revision_id="page_revision")
    add(
        f"wagtailadmin_pages:{_view}",
        args=_args,
        why="publishing, deleting, moving and approving: IT policy (DX leaders add and change, "
        "through the workflow)",
        **{**PAGE_ADMIN, "ok": PUBLISHERS},
    )
for _view in ("set_page_position", "lock", "unlock"):
    add(
        f"wagtailadmin_pages:{_view}",
        args={"page_id": "page", "page_to_move_id": "page"},
        post=True,
    )
add("wagtailadmin_pages:convert_alias", NOBODY, args={"page_id": "page"}, why="not an alias: 404")
add(
    "wagtailadmin_pages:revisions_index",
    ADMIN_USERS,
    args={"page_id": "page"},
    other_town=ADMIN_USERS,
    why_other_town="only a redirect to the page's history, which is checked",
    why="a redirect to the page's history",
)
add(
    "wagtailadmin_pages:choose_parent",
    ADMIN_USERS,
    args={"app_label": "page_app_label", "model_name": "page_model_name"},
    why="lists only the pages where the person may add one",
)
add(
    "wagtailadmin_explore_root",
    AUTHORS,
    why="the explorer's root: a DX leader is sent to the part of the tree they edit (the feature)",
)
add(
    "wagtailadmin_explore*",
    args={"parent_page_id": "parent_page"},
    redirect_denies=True,
    why="the page explorer: authors; Wagtail sends someone who may not explore a page to "
    "the part of the tree they may (a redirect: denied)",
    **PAGE_ADMIN,
)
add("wagtailadmin_choose_page_child", args={"parent_page_id": "parent_page"}, **PAGE_ADMIN)
add("wagtailadmin_api:pages:action", args={"pk": "page", "action_name": "api_action"}, post=True)
add("wagtailadmin_api:pages:listing", ADMIN_USERS, why="lists what the reader may explore")
add(
    "wagtailadmin_api:pages:find",
    AUTHORS,
    query={"id": "page"},
    why="finds a page for those who may explore it (a redirect to its detail)",
    **{k: v for k, v in PAGE_ADMIN.items() if k != "ok"},
)
add(
    "wagtailadmin_api:pages:detail",
    AUTHORS,
    args={"pk": "page"},
    **{k: v for k, v in PAGE_ADMIN.items() if k != "ok"},
)
LIBRARY = "the image and document library is shared content: any admin user may choose from it"
add("wagtailadmin_api:documents:listing", ADMIN_USERS, why=LIBRARY)
add("wagtailadmin_api:images:listing", ADMIN_USERS, why=LIBRARY)
add("wagtailadmin_api:documents:detail", ADMIN_USERS, args={"pk": "document"}, why=LIBRARY)
add("wagtailadmin_api:images:detail", ADMIN_USERS, args={"pk": "image"}, why=LIBRARY)
add("wagtailadmin_api:documents:find", ADMIN_USERS, query={"id": "document"}, why=LIBRARY)
add("wagtailadmin_api:images:find", ADMIN_USERS, query={"id": "image"}, why=LIBRARY)
add(
    "wagtailadmin_tag_model_autocomplete",
    NOBODY,
    why="no model registers a tag autocomplete (404)",
    args={"app_name": "tag_app_label", "model_name": "tag_model_name"},
)
add(
    "wagtailadmin_editing_sessions:*",
    args={
        "app_label": "editing_app_label",
        "model_name": "editing_model_name",
        "object_id": "page",
        "session_id": "editing_session",
    },
    post=True,
    why="the editor's pings: POST",
)
add(
    "wagtailadmin_reports:*",
    AUTHORS,
    why="Wagtail's reports on pages (locked, workflows, aging, site history, page types)",
)
add("wagtailadmin_reports:locked_pages", PUBLISHERS, why="for those who may unlock")
add("wagtailadmin_reports:locked_pages_results", PUBLISHERS)
add("wagtailadmin_reports:site_history", shadowed_by="admin/reports/site-history/")
for _report in ("workflow", "workflow_tasks"):
    add(f"wagtailadmin_reports:{_report}", shadowed_by=f"admin/reports/{_report}/")
    add(f"wagtailadmin_reports:{_report}_results", shadowed_by=f"admin/reports/{_report}/results/")
add("wagtailadmin_reports:site_history_results", shadowed_by="admin/reports/site-history/results/")
add(
    "wagtailadmin_collections:*",
    roles(OPERATOR),
    args={"pk": "collection", "collection_id": "collection"},
    why="collections are the deployment's: no role manages them",
)
add(
    "wagtailadmin_workflows:*",
    roles(OPERATOR),
    args={
        "pk": "workflow",
        "page_pk": "page",
        "workflow_pk": "workflow",
        "app_label": "task_app_label",
        "model_name": "task_model_name",
        "task_id": "task",
    },
    other_town=roles(OPERATOR),
    why_other_town="workflows are the deployment's (setup_authoring)",
    why="workflows and tasks: set up by setup_authoring, changed by the operator",
)
add("wagtailadmin_workflows:edit_task", roles(OPERATOR), args={"pk": "task"})
add("wagtailadmin_workflows:disable_task", roles(OPERATOR), args={"pk": "task"})
add("wagtailadmin_workflows:enable_task", args={"pk": "task"}, post=True)
add("wagtailadmin_workflows:enable", args={"pk": "workflow"}, post=True)
add(
    "wagtailadmin_workflows:remove",
    args={"page_pk": "page", "workflow_pk": "workflow"},
    post=True,
)
for _view in ("task_chooser", "task_chooser_results", "task_chooser_create", "task_chosen"):
    add(
        f"wagtailadmin_workflows:{_view}",
        ADMIN_USERS,
        args={"task_id": "task"} if _view == "task_chosen" else {},
        why="Wagtail's task chooser: task names, no data",
    )
add(
    "wagtailsettings:*",
    NOBODY,
    args={
        "app_name": "settings_app_label",
        "model_name": "settings_model_name",
        "pk": "settings_pk",
    },
    why="no settings models are registered",
)
add("wagtailembeds:*", ADMIN_USERS, why="the embed chooser (oEmbed is off): no data")
add(
    "wagtailsnippets:*",
    NOBODY,
    why="Wagtail's list of snippet types sends everyone to the admin home (our snippets have "
    "menus of their own)",
)
IMAGE_ARGS = {
    "image_id": "image",
    "filter_spec": "filter_spec",
    "uploaded_file_id": "uploaded_file",
}
add(
    "wagtailimages:*",
    AUTHORS,
    args=IMAGE_ARGS,
    why="the image library: authors add and choose (IT policy and DX leaders)",
)
DOC_ARGS = {"document_id": "document", "doc_id": "document", "uploaded_file_id": "uploaded_file"}
add("wagtaildocs:*", AUTHORS, args=DOC_ARGS, why="the document library: authors add and choose")
for _app, _views, _args in (
    ("wagtailimages", ("edit", "delete", "preview", "image_usage"), IMAGE_ARGS),
    ("wagtaildocs", ("edit", "delete", "document_usage"), DOC_ARGS),
):
    for _view in _views:
        add(
            f"{_app}:{_view}",
            roles(OPERATOR),
            args=_args,
            why="changing library items: no role has change permission (authors add and choose)",
        )
for _app, _views, _args in (
    (
        "wagtailimages",
        (
            "edit_multiple",
            "create_multiple_from_uploaded_image",
            "delete_multiple",
            "delete_upload_multiple",
        ),
        IMAGE_ARGS,
    ),
    (
        "wagtaildocs",
        (
            "edit_multiple",
            "create_multiple_from_uploaded_document",
            "delete_multiple",
            "delete_upload_multiple",
        ),
        DOC_ARGS,
    ),
):
    for _view in _views:
        add(f"{_app}:{_view}", args=_args, post=True, why="the multiple uploader's POSTs")
add(
    "wagtailimages:url_generator",
    NOBODY,
    args=IMAGE_ARGS,
    why="dynamic image URLs are off (404)",
)
add("wagtailimages:url_generator_output", NOBODY, args=IMAGE_ARGS, why="off (404)")
add("wagtailimages_chooser:*", ADMIN_USERS, args={"pk": "image", "image_id": "image"}, why=LIBRARY)
add("wagtaildocs_chooser:*", ADMIN_USERS, args={"pk": "document"}, why=LIBRARY)
TOWN_LIBRARY = (
    "choosing one item: the authors of its town (the item is in town A's collection; "
    "collection permissions count on the editor's towns' collections only)"
)
add("wagtailimages_chooser:chosen", AUTHORS, args={"pk": "image"}, why=TOWN_LIBRARY)
add("wagtailimages_chooser:select_format", AUTHORS, args={"image_id": "image"}, why=TOWN_LIBRARY)
add("wagtaildocs_chooser:chosen", AUTHORS, args={"pk": "document"}, why=TOWN_LIBRARY)
add("wagtailimages_chooser:create", AUTHORS, why="uploading from the chooser: authors")
add("wagtaildocs_chooser:create", AUTHORS, why="uploading from the chooser: authors")
add(
    "wagtailsites:*",
    roles(OPERATOR),
    args={"pk": "site"},
    other_town=roles(OPERATOR),
    why_other_town="sites (a town's host name and home) are set up by the operator",
)
add(
    "wagtailusers_groups:*",
    roles(OPERATOR),
    args={"pk": "group"},
    why="groups are shared by every town: the operator's (OperatorOnlyPermissionPolicy)",
)

# Our admin screens (lms/wagtail_hooks.py, content/ courses/ assessments/wagtail_hooks.py)

add("roster_import", roles(HR, ADMIN), why="HR's import of their town's roster")
add("roster_export", roles(HR, ADMIN), why="HR's export of their town's roster (audited)")
add(
    "completions_import",
    roles(HR, ADMIN),
    why="HR's import of their town's past completions (docs/records.md)",
)
add(
    "person_password_reset",
    roles(HR, ADMIN, OPERATOR),
    args={"user_id": "user"},
    other_town=roles(OPERATOR),
    why_other_town="the operator may send anyone but themselves a link (grants)",
    why="GET asks to confirm sending the person a reset link; HR and the town's "
    "administrator for people of their town (grants)",
)
add("stale_modules", AUTHORS, why="modules to check: authors")
add("stale_modules_results", AUTHORS)
add(
    "module_attestations",
    AUTHORS | roles(HR, ADMIN),
    why="確認・同意の状況: counts, no names; authors and HR (can_read_attestation_counts)",
)
add("module_attestations_results", AUTHORS | roles(HR, ADMIN))
add("question_statistics", roles(IT_POLICY, DX_LEADER, OPERATOR), why="change_question holders")
add(
    "markdown_preview",
    roles(IT_POLICY, DX_LEADER, OPERATOR),
    post=True,
    why="the preview is a POST (authors only; HR gets 403)",
)
add("authoring_guide", ADMIN_USERS, why="the guide for authors, linked from the admin home")
add(
    "admin/reports/site-history/",
    ADMIN_USERS,
    why="Reports → サイト履歴 (SiteHistoryView, over Wagtail's own URL): Wagtail's rule, any "
    "admin user, the entries filtered to what the reader may see; of quiz content only what "
    "they author (log_entries_not_authorable)",
)
add("admin/reports/site-history/results/", ADMIN_USERS, why="its results, filtered alike")
for _report in ("workflow", "workflow_tasks"):
    add(
        f"admin/reports/{_report}/",
        AUTHORS,
        why="Reports → ワークフロー(のタスク) (WorkflowReportView, WorkflowTasksReportView, over "
        "Wagtail's own URLs): Wagtail's rule, add, change or publish on some page or snippet; "
        "of quiz content only what the reader authors",
    )
    add(f"admin/reports/{_report}/results/", AUTHORS, why="its results, filtered alike")


def viewset(namespace: str, views: dict, *, args, other_town=NOBODY, why_other_town="", **f):
    """Exact entries for each view of one of our viewsets."""
    for view, ok in views.items():
        view_args = {
            k: v
            for k, v in args.items()
            if view
            not in (
                "index",
                "index_results",
                "list",
                "list_results",
                "add",
                "choose",
                "choose_results",
                "chosen_multiple",
                "create",
            )
        }
        fields = dict(f)
        if view not in ("index", "index_results"):
            fields.pop("variants", None)
        add(
            f"{namespace}:{view}",
            ok,
            args=view_args,
            other_town=frozenset(other_town) & frozenset(ok) if view_args else NOBODY,
            why_other_town=why_other_town if view_args else "",
            **fields,
        )


TOWN_DATA = (
    "a town's organisation data is for the town's roles: not another town's HR, nor the "
    "operator, who holds no role in any town"
)
HR_MANAGES = roles(HR)
viewset(
    "department",
    {
        "index": roles(HR, IT_POLICY),
        "index_results": roles(HR, IT_POLICY),
        "add": HR_MANAGES,
        "edit": HR_MANAGES,
        "delete": HR_MANAGES,
        "history": HR_MANAGES,
        "history_results": HR_MANAGES,
        "usage": HR_MANAGES,
        "copy": HR_MANAGES,
    },
    args={"pk": "department"},
    variants=("", "?export=csv"),
    why="研修管理 → 所属: HR manages its town's departments, IT policy reads them; a town's "
    "departments are its data (docs/security.md: " + TOWN_DATA + ")",
)
viewset(
    "trackassignment",
    {
        "index": HR_MANAGES,
        "index_results": HR_MANAGES,
        "add": HR_MANAGES,
        "edit": HR_MANAGES,
        "delete": HR_MANAGES,
        "history": HR_MANAGES,
        "history_results": HR_MANAGES,
        "usage": HR_MANAGES,
        "copy": HR_MANAGES,
    },
    args={"pk": "track_assignment"},
    variants=("", "?export=csv"),
    why="研修管理 → 受講割当: HR's, for its own town",
)
viewset(
    "exemption",
    {
        "index": HR_MANAGES,
        "index_results": HR_MANAGES,
        "add": HR_MANAGES,
        "edit": HR_MANAGES,
        "delete": NOBODY,  # never deleted: ended or corrected (lms/exemptions.py)
        "history": HR_MANAGES,
        "history_results": HR_MANAGES,
        "usage": HR_MANAGES,
    },
    args={"pk": "exemption"},
    variants=("", "?export=csv"),
    why="研修管理 → 免除: HR's, for its own town's people (lms/people/permissions.py "
    "can_manage_exemptions); not heads, not the town's administrator, not another town's HR",
)
viewset(
    "position",
    {
        "index": roles(HR, IT_POLICY),
        "index_results": roles(HR, IT_POLICY),
        "add": HR_MANAGES,
        "edit": HR_MANAGES,
        "delete": HR_MANAGES,
        "history": HR_MANAGES,
        "history_results": HR_MANAGES,
        "usage": HR_MANAGES,
        "copy": HR_MANAGES,
    },
    args={"pk": "position"},
    variants=("", "?export=csv"),
    why="研修管理 → 職位: each town's own positions (Position.organization), managed by its HR; "
    + TOWN_DATA,
)
viewset(
    "audit_log",
    {
        "index": roles(HR, ADMIN, OPERATOR),
        "index_results": roles(HR, ADMIN, OPERATOR),
        "inspect": roles(HR, ADMIN, OPERATOR),
    },
    args={"pk": "audit_event"},
    other_town=roles(OPERATOR),
    why_other_town="the operator runs the deployment's audit log (docs/security.md)",
    why="HR reads its town's downloads, the town's administrator its town's events",
)
viewset(
    "outgoing_mail",
    {
        "index": roles(ADMIN),
        "index_results": roles(ADMIN),
        "inspect": roles(ADMIN),
        "resend": roles(ADMIN),  # GET: the confirmation page; the mail goes again on POST
    },
    args={"pk": "outgoing_mail"},
    why="研修管理 → 送信メール: the town's site administrators read their towns' outbox (mail "
    "holds names and addresses); not HR, not the operator without a role in the town",
)
USERS = roles(HR, ADMIN, OPERATOR)
viewset(
    "wagtailusers_users",
    {
        "index": USERS,
        "index_results": USERS,
        "add": roles(OPERATOR),
        "edit": USERS,
        "delete": NOBODY,
        "history": USERS,
        "history_results": USERS,
        "usage": USERS,
    },
    args={"pk": "user"},
    other_town=roles(OPERATOR),
    why_other_town="accounts are the operator's (grants: any group, anyone)",
    why="設定 → ユーザー: HR and the town's administrator for people of their town (grants); "
    "no one deletes an account",
)

# Snippets: quizzes, questions, banks, the skill framework, the glossary — shared content.
# IT policy: everything; DX leaders: add and change (no delete), view the framework.
AUTHOR = roles(IT_POLICY, DX_LEADER, OPERATOR)
OWNER = roles(IT_POLICY, OPERATOR)


def snippet(namespace, kind, *, change, delete, revisions=None, choosers=AUTHOR, why=""):
    views = {
        "list": AUTHOR,
        "list_results": AUTHOR,
        "add": change,
        "edit": change,
        "delete": delete,
        "usage": change,
        "history": change,
        "history_results": change,
        "copy": change,
    }
    viewset(f"wagtailsnippets_{namespace}", views, args={"pk": kind}, why=why)
    if revisions:
        add(
            f"wagtailsnippets_{namespace}:revisions_revert",
            change,
            args={"pk": kind, "revision_id": revisions},
        )
        add(
            f"wagtailsnippets_{namespace}:revisions_compare",
            AUTHOR,
            args={
                "pk": kind,
                "revision_id_a": "revision_earliest",
                "revision_id_b": "revision_latest",
            },
        )
    viewset(
        f"wagtailsnippetchoosers_{namespace}",
        {
            "choose": choosers,
            "choose_results": choosers,
            "chosen": choosers,
            "chosen_multiple": choosers,
            "create": change,
        },
        args={"pk": kind},
        why="Wagtail's choosers (a snippet chooser needs only admin access)"
        if choosers != AUTHOR
        else "choosers: authors",
    )


# Titles only, of content every member of staff sees anyway: any admin user may choose.
TITLES = ADMIN_USERS

# Quiz content under review (docs/security.md): "Skill-check answer keys are out of reach of
# everyone who takes skill checks (all but IT policy and administrators)" — IT policy and the
# operator (a superuser) hold assessments.manage_all_banks; the town's administrator takes
# skill checks and has no snippet permission — and "a DX leader edits only their tracks'
# banks, questions and quizzes, cannot publish". Each screen of one object is asked with the
# skill-check object and again (case "own track") with the DX leader's own track's.
SKILL_CONTENT = OWNER
PUBLISH = roles(IT_POLICY, OPERATOR)  # publishing, unpublishing, approving: IT policy
REVIEWED_WHY = (
    "skill-check content: IT policy and the operator only (everyone else takes skill checks); "
    "the DX leader's own track's content: they edit it, never publish or delete it"
)


def reviewed_snippet(namespace, skill_kind, track_kind, *, add_ok=AUTHOR, why=""):
    """Exact entries for a reviewed snippet (question, quiz, bank): each view of one
    object with the skill-check object and, as the case "own track", the track's.

    ``args`` name kinds by template: ``{}`` is the object's kind, ``{}_revision`` its
    revision, …; other values are literal kinds."""

    def one(view, skill_ok=NOBODY, track_ok=NOBODY, args=None, **fields):
        args = {"pk": "{}", **(args or {})}
        fields.setdefault("why", why or REVIEWED_WHY)

        def filled(kind):
            return {p: k.format(kind) for p, k in args.items()}

        add(
            f"wagtailsnippets_{namespace}:{view}",
            skill_ok,
            args=filled(skill_kind),
            cases=()
            if fields.get("post")
            else (Case("own track", filled(track_kind), frozenset(track_ok)),),
            **fields,
        )

    for view in ("list", "list_results"):
        add(f"wagtailsnippets_{namespace}:{view}", AUTHOR, why="lists only what the reader authors")
    add(f"wagtailsnippets_{namespace}:add", add_ok)
    for view in (
        "edit",
        "usage",
        "history",
        "history_results",
        "inspect",
        "workflow_history",
        "confirm_workflow_cancellation",
    ):
        one(view, SKILL_CONTENT, AUTHOR)
    one("copy", SKILL_CONTENT, add_ok)  # a copy is a new one: whoever may add
    one("delete", SKILL_CONTENT, OWNER)
    one(
        "workflow_history_detail",
        SKILL_CONTENT,
        AUTHOR,
        args={"workflow_state_id": "{}_workflow_state"},
    )
    one("revisions_revert", SKILL_CONTENT, AUTHOR, args={"revision_id": "{}_revision"})
    one(
        "revisions_compare",
        SKILL_CONTENT,
        AUTHOR,
        args={"revision_id_a": "revision_earliest", "revision_id_b": "revision_latest"},
    )
    one("unpublish", PUBLISH, PUBLISH)
    one("revisions_unschedule", PUBLISH, PUBLISH, args={"revision_id": "{}_revision"})
    for view in ("workflow_action", "collect_workflow_action_data"):
        # GET is the modal of the "approve" action: the approval task's group, IT policy.
        one(
            view,
            PUBLISH,
            PUBLISH,
            args={"action_name": "workflow_action_name", "task_state_id": "{}_task_state"},
        )
    for view in ("lock", "unlock"):
        one(view, args={}, post=True, why="locking and unlocking are POSTs")

    chooser = f"wagtailsnippetchoosers_{namespace}"
    for view in ("choose", "choose_results", "chosen_multiple"):
        add(
            f"{chooser}:{view}",
            TITLES,
            why="Wagtail's chooser needs only admin access; it lists only what the reader "
            "authors (AuthoringChooserViewSet): nothing for HR and the town's administrator",
        )
    add(
        f"{chooser}:chosen",
        SKILL_CONTENT,
        args={"pk": skill_kind},
        cases=(Case("own track", {"pk": track_kind}, AUTHOR),),
        why="names the chosen object: only to those who author it",
    )
    add(f"{chooser}:create", add_ok)


reviewed_snippet("assessments_quiz", "skill_check", "quiz")
reviewed_snippet("assessments_question", "question", "track_question")
reviewed_snippet(
    "assessments_questionbank",
    "question_bank",
    "track_bank",
    add_ok=OWNER,
    why=REVIEWED_WHY + "; a bank is created by IT policy only (it gives banks to tracks)",
)
snippet(
    "assessments_skillarea",
    "skill_area",
    change=OWNER,
    delete=OWNER,
    choosers=TITLES,
    why="DSS-L (shown to everyone on マイスキル): IT policy's",
)
snippet(
    "content_glossaryterm",
    "glossary_term",
    change=AUTHOR,
    delete=OWNER,
    revisions="glossary_revision",
    choosers=TITLES,
)

# ---------------------------------------------------------------------------------------
# The Django admin (/django-admin/): the platform operator's alone (OperatorAdminSite).

OPERATOR_ONLY = roles(OPERATOR)
ACCOUNTS = dict(
    other_town=OPERATOR_ONLY,
    why_other_town="accounts, organisations and jobs are the operator's, in every town",
)
add("admin:index", OPERATOR_ONLY)
add(
    "admin:login",
    OPERATOR_ONLY,
    why="allauth's sign-in (secure_admin_login): everyone else is sent to sign in",
)
add("admin:logout", post=True)
add("admin:password_change", OPERATOR_ONLY)
add("admin:password_change_done", OPERATOR_ONLY)
add("admin:autocomplete", NOBODY, why="answers only with a field to complete (400/403)")
add("admin:jsi18n", OPERATOR_ONLY)
add("admin:app_list", OPERATOR_ONLY, args={"app_label": "app_label"})
add(
    "admin:view_on_site",
    NOBODY,
    args={"content_type_id": "user_content_type", "object_id": "user"},
    why="a user has no page on the site",
)
add(
    "admin:auth_user_password_change",
    args={"id": "user"},
    post=True,
    why="nobody sets another person's password: the operator is sent back with a message "
    "(PASSWORDS_ARE_THEIR_OWNERS)",
)
add(
    "django-admin/(?P<url>.*)$",
    NOBODY,
    args={"url": "admin_catch_all"},
    example="/django-admin/nothing-here/",
    why="an unknown address",
)


def model_admin(
    prefix, kind, *, add_ok=OPERATOR_ONLY, delete_ok=OPERATOR_ONLY, shared=False, **extra
):
    town = {} if shared else ACCOUNTS
    add(f"admin:{prefix}_changelist", OPERATOR_ONLY, **extra)
    add(f"admin:{prefix}_add", add_ok)
    for view, ok in (("history", OPERATOR_ONLY), ("delete", delete_ok), ("change", OPERATOR_ONLY)):
        fields = {**town, **extra} if ok else {}
        add(f"admin:{prefix}_{view}", ok, args={"object_id": kind}, **fields)
    add(
        f"django-admin/{prefix.replace('_', '/', 1)}/<path:object_id>/",
        OPERATOR_ONLY,
        args={"object_id": kind},
        why="the old address of the change page: a redirect to it",
        **town,
    )


model_admin("lms_user", "user", delete_ok=NOBODY)
model_admin("lms_organization", "organization")
# Jobs are the operator's, the reports' contents (who is overdue, …) the town's.
model_admin(
    "lms_reportrun", "report_run", add_ok=NOBODY, no_personal_data_for=frozenset({OPERATOR})
)
model_admin("mfa_authenticator", "authenticator")
model_admin("auth_group", "group", shared=True)
model_admin("wagtaildocs_document", "document", shared=True)
model_admin("wagtailimages_image", "image", shared=True)
model_admin("taggit_tag", "tag", shared=True)
add("admin:taggit_tag_merge_tags", OPERATOR_ONLY)
model_admin("account_emailaddress", "email_address")

# ---------------------------------------------------------------------------------------
# Known leaks: cells where the code breaks the promise today. The matrix passes only while
# each still fails; one that starts passing must be taken off. (route, role, town) → why.

KNOWN_LEAKS_FIXED_ON_OTHER_BRANCHES: dict[tuple[str, str, str], str] = {}
KNOWN_LEAKS_WITHOUT_A_BRANCH: dict[tuple[str, str, str], str] = {}


def _known(target: dict, reason: str, routes, who, towns) -> None:
    for route in routes:
        for role in who:
            for town in towns:
                assert (route, role, town) not in target, (route, role, town)
                target[(route, role, town)] = reason
