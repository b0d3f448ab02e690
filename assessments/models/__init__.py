from .attempts import Attempt, AttemptQuestion, Response
from .framework import SkillArea
from .questions import Choice, Question, QuestionBank
from .quizzes import MANAGE_ALL_BANKS, Quiz, QuizDrawRule, QuizQuestion
from .results import SelfAssessment, SkillResult

__all__ = [
    "MANAGE_ALL_BANKS",
    "Attempt",
    "AttemptQuestion",
    "Choice",
    "Question",
    "QuestionBank",
    "Quiz",
    "QuizDrawRule",
    "QuizQuestion",
    "Response",
    "SelfAssessment",
    "SkillArea",
    "SkillResult",
]
