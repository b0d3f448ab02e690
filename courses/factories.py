import factory
import wagtail_factories

from .models import CoursePage, LearningHomePage, ModulePage, TrackPage


class LearningHomePageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = LearningHomePage

    title = "研修一覧"
    slug = "learning"


class TrackPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = TrackPage

    title = factory.Sequence(lambda n: f"トラック{n}")
    slug = factory.Sequence(lambda n: f"track-{n}")
    intro = "トラックの紹介です。"


class CoursePageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = CoursePage

    title = factory.Sequence(lambda n: f"コース{n}")
    slug = factory.Sequence(lambda n: f"course-{n}")
    summary = "コースの概要です。"
    annual = False


class ModulePageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = ModulePage

    title = factory.Sequence(lambda n: f"モジュール{n}")
    slug = factory.Sequence(lambda n: f"module-{n}")
    body = factory.LazyFunction(lambda: [("markdown", "## 学習内容\n\n本文です。")])
