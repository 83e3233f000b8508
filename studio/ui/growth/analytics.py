"""Analytics: views, likes, comments and shares per variant over time, and which hook wins.

One chart per count, one line per variant, from the ``PostMetric`` time series (the platforms'
samples, mirrored from the cloud service), then each variant's latest numbers with watch time,
and the hooks ranked by views. With no numbers yet the view says what brings them rather than
showing empty axes.
"""

from __future__ import annotations

from PySide6.QtCharts import QChart, QChartView, QDateTimeAxis, QLineSeries, QValueAxis
from PySide6.QtCore import QDateTime, QPointF, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QScrollArea,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.services.growth import (
    Total,
    VariantSeries,
    totals_per_hook,
    totals_per_variant,
    variant_series,
)
from studio.services.jobs.social import COUNTS
from studio.services.library.db import Library
from studio.ui import theme

EMPTY = (
    "No numbers yet. Schedule a rendered short in Compose; once it is published and the "
    "platforms report, views, likes, comments and shares appear here per variant over time."
)
LINE_COLOURS = (theme.CYAN, theme.MAGENTA, "#ffd23f", "#7cff6b", "#ff8c42", "#b388ff")
NUMBER_COLUMNS = (*(count.capitalize() for count in COUNTS), "Watch time")
HOOK_COLUMNS = ("Hook", *NUMBER_COLUMNS)
VARIANT_COLUMNS = ("Variant", *NUMBER_COLUMNS)


def watch_time(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{rest:02d}" if hours else f"{minutes}:{rest:02d}"


def fill_totals(table: QTableWidget, totals: list[Total]) -> None:
    """One row per group, most viewed first: its label, the counts, the watch time."""
    table.setRowCount(len(totals))
    for row, total in enumerate(totals):
        counts = (total.views, total.likes, total.comments, total.shares)
        values = (total.label, *(str(count) for count in counts))
        for column, value in enumerate((*values, watch_time(total.watch_time_seconds))):
            table.setItem(row, column, QTableWidgetItem(value))
    table.resizeColumnsToContents()


def totals_table(columns: tuple[str, ...]) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(list(columns))
    table.horizontalHeader().setStretchLastSection(True)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setMaximumHeight(160)
    return table


def line_chart(count: str, series: list[VariantSeries]) -> QChart:
    """A chart of ``count`` over time with a line per variant, named by the variant."""
    chart = QChart()
    chart.setTitle(count.capitalize())
    chart.setBackgroundBrush(QColor(theme.PANEL))
    chart.setTitleBrush(QColor(theme.TEXT))
    chart.legend().setLabelColor(QColor(theme.TEXT))
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    x_axis = QDateTimeAxis()
    x_axis.setFormat("MMM d HH:mm")
    y_axis = QValueAxis()
    y_axis.setLabelFormat("%d")
    for axis in (x_axis, y_axis):
        axis.setLabelsColor(QColor(theme.MUTED))
        axis.setGridLineColor(QColor(theme.BORDER))
    chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
    times = [point.at for one in series for point in one.points]
    top = max((point.value(count) for one in series for point in one.points), default=0)
    for index, one in enumerate(series):
        line = QLineSeries()
        line.setName(one.label)
        line.setColor(QColor(LINE_COLOURS[index % len(LINE_COLOURS)]))
        line.setPointsVisible(True)
        for point in one.points:
            line.append(QPointF(point.at.timestamp() * 1000, point.value(count)))
        chart.addSeries(line)
        line.attachAxis(x_axis)
        line.attachAxis(y_axis)
    if times:
        first, last = min(times).timestamp(), max(times).timestamp()
        pad = max((last - first) * 0.05, 60.0)
        x_axis.setRange(
            QDateTime.fromMSecsSinceEpoch(int((first - pad) * 1000)),
            QDateTime.fromMSecsSinceEpoch(int((last + pad) * 1000)),
        )
    y_axis.setRange(0, max(top * 1.1, 1))
    y_axis.applyNiceNumbers()
    return chart


class AnalyticsView(QWidget):
    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.series: list[VariantSeries] = []
        self.charts: dict[str, QChart] = {}
        self.views: dict[str, QChartView] = {}
        self.empty = QLabel(EMPTY)
        self.empty.setObjectName("Muted")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        charts = QWidget()
        grid = QGridLayout(charts)
        for index, count in enumerate(COUNTS):
            view = QChartView()
            view.setRenderHint(QPainter.RenderHint.Antialiasing)
            view.setMinimumHeight(220)
            self.views[count] = view
            grid.addWidget(view, index // 2, index % 2)
        self.variants = totals_table(VARIANT_COLUMNS)
        self.hooks = totals_table(HOOK_COLUMNS)
        grid.addWidget(QLabel("Per variant: the latest numbers over every platform"), 2, 0, 1, 2)
        grid.addWidget(self.variants, 3, 0, 1, 2)
        hooks_title = QLabel("Which hook wins: latest numbers of every variant with that hook")
        grid.addWidget(hooks_title, 4, 0, 1, 2)
        grid.addWidget(self.hooks, 5, 0, 1, 2)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(charts)
        self.stack.addWidget(scroll)
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack)

    def refresh(self) -> None:
        self.series = variant_series(self.library)
        has_numbers = any(one.points for one in self.series)
        self.stack.setCurrentIndex(1 if has_numbers else 0)
        for count, view in self.views.items():
            chart = line_chart(count, self.series)
            view.setChart(chart)  # the view owns the chart from here and deletes the old one
            self.charts[count] = chart
        fill_totals(self.variants, totals_per_variant(self.series))
        fill_totals(self.hooks, totals_per_hook(self.series))
