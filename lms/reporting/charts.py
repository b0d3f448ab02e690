"""A server-drawn SVG bar chart of completion rates: no JavaScript library, works offline."""

from dataclasses import dataclass

from lms.learner.charts import BAR_HEIGHT, GAP, LABEL_WIDTH, SCALE_WIDTH, TOP


@dataclass(frozen=True)
class CompletionBar:
    label: str
    rate: float
    y: int
    width: int


@dataclass(frozen=True)
class CompletionChart:
    bars: list[CompletionBar]
    width: int
    height: int
    label_width: int
    bar_height: int
    scale_width: int


def completion_chart(departments: list[dict]) -> CompletionChart:
    """Completion rate (0–100 %) per department from a report summary."""
    bars = []
    for index, row in enumerate(departments):
        depth = row["path"].count("/") - 2
        bars.append(
            CompletionBar(
                label=("└ " if depth else "") + row["name"],
                rate=row["rate"],
                y=TOP + index * (BAR_HEIGHT + GAP),
                width=round(row["rate"] * SCALE_WIDTH),
            )
        )
    return CompletionChart(
        bars=bars,
        width=LABEL_WIDTH + SCALE_WIDTH + 70,
        height=TOP + len(bars) * (BAR_HEIGHT + GAP) + 10,
        label_width=LABEL_WIDTH,
        bar_height=BAR_HEIGHT,
        scale_width=SCALE_WIDTH,
    )
