from .attempts import Attempt, AttemptQuestion, Response
from .framework import SkillArea
from .questions import Choice, Question, QuestionBank
from .quizzes import Quiz, QuizDrawRule, QuizQuestion
from .results import SelfAssessment, SkillResult

__all__ = [
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
