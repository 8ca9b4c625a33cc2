"""Bar charts as inline SVG, readable without colour: each series has its own hatching,
every bar carries its value as text, and the chart has a title and a description."""
from __future__ import annotations

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 24, 48
# (fill, pattern) per series: dark blue solid, then hatched and dotted variants, then greys and black
STYLES = [("#1d4f91", None), ("#ffffff", "hatch"), ("#ffffff", "dots"), ("#b1b4b6", None), ("#505a5f", None),
          ("#0b0c0c", None)]


def bar_chart(chart_id: str, title: str, columns: list[tuple[str, str]], years: dict[int, dict[str, int]]) -> Markup:
    if not years or not columns:
        return Markup("")
    ordered = sorted(years)
    top = max([1] + [v for values in years.values() for v in values.values()])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    group_w = plot_w / len(ordered)
    bar_w = min(48.0, group_w * 0.8 / len(columns))
    parts = [_defs(chart_id), _axis(plot_h, top)]
    for i, year in enumerate(ordered):
        x0 = LEFT + i * group_w + (group_w - bar_w * len(columns)) / 2
        for j, (key, label) in enumerate(columns):
            value = years[year].get(key)
            if value is None:
                continue
            parts.append(_bar(chart_id, j, x0 + j * bar_w, bar_w, value, top, plot_h, f"{label} {year}"))
        parts.append(f'<text x="{LEFT + (i + 0.5) * group_w:.1f}" y="{HEIGHT - BOTTOM + 18}" '
                     f'text-anchor="middle" font-size="13">{year}</text>')
    parts.append(_legend(chart_id, columns))
    desc = "; ".join(f"{year}: " + ", ".join(f"{label} {years[year][key]}" for key, label in columns
                                              if key in years[year]) for year in ordered)
    return Markup(
        f'<svg class="chart" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'viewBox="0 0 {WIDTH} {HEIGHT + 24 * len(columns)}" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(desc)}</desc>'
        + "".join(parts) + "</svg>"
    )


def _defs(chart_id: str) -> str:
    return (f'<defs><pattern id="{chart_id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
            f'<line x1="0" y1="0" x2="0" y2="6" stroke="#0b0c0c" stroke-width="2"/></pattern>'
            f'<pattern id="{chart_id}-dots" width="6" height="6" patternUnits="userSpaceOnUse">'
            f'<rect width="6" height="6" fill="#ffffff"/><circle cx="3" cy="3" r="1.5" fill="#0b0c0c"/></pattern></defs>')


def _fill(chart_id: str, index: int) -> str:
    fill, pattern = STYLES[index % len(STYLES)]
    return f"url(#{chart_id}-{pattern})" if pattern else fill


def _axis(plot_h: float, top: int) -> str:
    base = TOP + plot_h
    return (f'<line x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}" stroke="#0b0c0c"/>'
            f'<text x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end" font-size="12">{top}</text>'
            f'<text x="{LEFT - 6}" y="{base}" text-anchor="end" font-size="12">0</text>')


def _bar(chart_id, index, x, width, value, top, plot_h, label) -> str:
    height = plot_h * value / top
    y = TOP + plot_h - height
    return (f'<rect x="{x:.1f}" y="{y:.1f}" width="{width - 2:.1f}" height="{height:.1f}" '
            f'fill="{_fill(chart_id, index)}" stroke="#0b0c0c"><title>{escape(label)}: {value}</title></rect>'
            f'<text x="{x + width / 2 - 1:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="12">{value}</text>')


def _legend(chart_id: str, columns) -> str:
    rows = []
    for j, (_key, label) in enumerate(columns):
        y = HEIGHT + 24 * j - 6
        rows.append(f'<rect x="{LEFT}" y="{y - 12}" width="16" height="16" fill="{_fill(chart_id, j)}" stroke="#0b0c0c"/>'
                    f'<text x="{LEFT + 24}" y="{y + 1}" font-size="13">{escape(label)}</text>')
    return "".join(rows)
