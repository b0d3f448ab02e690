"""A server-drawn SVG bar chart of skill levels: no JavaScript library, works offline."""

from dataclasses import dataclass

from assessments.levels import Level
from assessments.selectors import SkillProfile

BAR_HEIGHT = 28


GAP = 14


LABEL_WIDTH = 190


SCALE_WIDTH = 360


TOP = 24


@dataclass(frozen=True)
class Bar:
    label: str
    level: int
    level_label: str
    y: int
    width: int
    self_x: int | None


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    ticks: list[tuple[int, str]]
    width: int
    height: int
    label_width: int
    bar_height: int


def skill_chart(profile: SkillProfile) -> Chart:
    """Bars for category levels (0–4); a tick marks the learner's own rating (1–4)."""
    unit = SCALE_WIDTH // Level.SPECIALISED
    bars = []
    for index, category in enumerate(profile.categories):
        bars.append(
            Bar(
                label=category.area.name,
                level=category.level,
                level_label=category.level_label,
                y=TOP + index * (BAR_HEIGHT + GAP),
                width=category.level * unit,
                self_x=(
                    LABEL_WIDTH + category.self_rating * unit if category.self_rating else None
                ),
            )
        )
    return Chart(
        bars=bars,
        ticks=[(LABEL_WIDTH + level * unit, str(level)) for level in range(0, 5)],
        width=LABEL_WIDTH + SCALE_WIDTH + 40,
        height=TOP + len(bars) * (BAR_HEIGHT + GAP) + 10,
        label_width=LABEL_WIDTH,
        bar_height=BAR_HEIGHT,
    )
