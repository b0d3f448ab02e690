from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase

from courses.models import CoursePage, LearningHomePage, ModulePage, TrackPage


class PageTreeTests(WagtailPageTestCase):
    def test_learning_home_holds_only_tracks(self):
        self.assertAllowedSubpageTypes(LearningHomePage, {TrackPage})
        self.assertAllowedParentPageTypes(LearningHomePage, {Page})

    def test_track_holds_only_courses(self):
        self.assertAllowedParentPageTypes(TrackPage, {LearningHomePage})
        self.assertAllowedSubpageTypes(TrackPage, {CoursePage})

    def test_course_holds_only_modules(self):
        self.assertAllowedParentPageTypes(CoursePage, {TrackPage})
        self.assertAllowedSubpageTypes(CoursePage, {ModulePage})

    def test_module_is_a_leaf(self):
        self.assertAllowedParentPageTypes(ModulePage, {CoursePage})
        self.assertAllowedSubpageTypes(ModulePage, set())

    def test_module_cannot_be_created_under_a_track(self):
        self.assertCanNotCreateAt(TrackPage, ModulePage)
        self.assertCanNotCreateAt(LearningHomePage, CoursePage)
