"""The overview's usage picture: seats used per day as a step line in an inline SVG.

Drawn on the server (the Content-Security-Policy allows no script or inline style; SVG
presentation attributes are markup, not style), in viewBox units that CSS scales to the page
width. The template draws what `chart_of` returns.
"""

from dataclasses import dataclass
from datetime import date

from seats.usage_history import DayUsage

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 28


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class UsageChart:
    path: str  # the step line's SVG path data
    limit_y: float | None  # the current seat limit's height, when it fits the scale
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    summary: str  # the text alternative, one sentence
    changes: list[DayUsage]  # the first day, then each day whose count differs from the day before
    days: int
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    baseline: int = HEIGHT - BOTTOM


def chart_of(series: list[DayUsage], *, seat_limit: int | None) -> UsageChart:
    if not series:
        raise ValueError("a usage chart needs at least one day")
    top_value = max([d.used for d in series] + ([seat_limit] if seat_limit is not None else []))
    scale_max = _nice_ceiling(max(top_value, 1))
    plot_width = WIDTH - LEFT - RIGHT
    step = plot_width / len(series)

    def y(value: int) -> float:
        return round(HEIGHT - BOTTOM - (HEIGHT - BOTTOM - TOP) * value / scale_max, 1)

    def x(index: int) -> float:
        return round(LEFT + step * index, 1)

    # Each day is a flat run one step wide; a change is a vertical rise or fall between days.
    path = [f"M{LEFT} {y(series[0].used)}"]
    for index in range(1, len(series)):
        if series[index].used != series[index - 1].used:
            path.append(f"H{x(index)} V{y(series[index].used)}")
    path.append(f"H{x(len(series))}")
    return UsageChart(
        path=" ".join(path),
        limit_y=y(seat_limit) if seat_limit is not None else None,
        y_ticks=[Tick(y(v), str(v)) for v in _y_values(scale_max)],
        x_ticks=[
            Tick(x(index), _short(series[index].day))
            for index in range(0, len(series), max(len(series) // 6, 1))
        ],
        summary=_summary(series),
        days=len(series),
        changes=[
            day
            for index, day in enumerate(series)
            if not index or series[index - 1].used != day.used
        ],
    )


def _summary(series: list[DayUsage]) -> str:
    first, last = series[0], series[-1]
    peak = max(series, key=lambda d: d.used)
    sentence = (
        f"Seats used per day over the last {len(series)} days: "
        f"from {first.used} on {_long(first.day)} to {last.used} today"
    )
    if peak.used > max(first.used, last.used):
        sentence += f", highest {peak.used} on {_long(peak.day)}"
    return sentence + "."


def _nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... times a power of ten not below `value`."""
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            if factor * magnitude >= value:
                return factor * magnitude
        magnitude *= 10


def _y_values(scale_max: int) -> list[int]:
    # 0, half and the top: integers, since seats are whole.
    values = [0, scale_max // 2, scale_max] if scale_max >= 2 else [0, scale_max]
    return sorted(set(values))


def _short(day: date) -> str:
    return day.strftime("%b %-d")


def _long(day: date) -> str:
    return day.strftime("%B %-d, %Y")
