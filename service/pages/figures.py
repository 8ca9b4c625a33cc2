"""Kennzahlen: the annual figures as a table and a chart per request, and as CSV."""
from __future__ import annotations

from flask import Blueprint, Response, render_template
from flask_login import login_required

from service.parts.charts import bar_chart
from service.runtime import koopflow
from service.web.auth import current_actor
from workflows.annual.figures import figure_series, figures_csv

bp = Blueprint("figures", __name__, url_prefix="/figures")


@bp.get("")
@login_required
def figures():
    app = koopflow()
    series = figure_series(app.db, current_actor(), app.clock.today())
    charts = {s.request_key + s.agreement_id: bar_chart(f"chart-{i}", f"{s.reference} {s.title}",
                                                        s.chart_columns or s.columns, s.years)
              for i, s in enumerate(series)}
    return render_template("figures.html", series=series, charts=charts)


@bp.get("/export.csv")
@login_required
def export():
    app = koopflow()
    body = figures_csv(figure_series(app.db, current_actor(), app.clock.today()))
    return Response("\ufeff" + body, mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="kennzahlen.csv"'})
