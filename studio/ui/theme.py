"""The dark "neo glow" theme: near-black panels, cyan and magenta light.

Kept as a module constant rather than a file so a frozen bundle cannot lose it. Sizes are in
points and device-independent pixels, so Qt's high-DPI scaling keeps the look crisp; images the
app draws itself (the preview, thumbnails) are rendered at the device pixel ratio.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

BACKGROUND = "#0b0d14"
PANEL = "#131722"
RAISED = "#1b2030"
BORDER = "#262c40"
TEXT = "#e6e9f2"
MUTED = "#8a93ad"
CYAN = "#00f0ff"
MAGENTA = "#ff2ef5"
DANGER = "#ff5470"

NEO_GLOW_QSS = f"""
QWidget {{
    background-color: {BACKGROUND};
    color: {TEXT};
    selection-background-color: #123a4a;
    selection-color: {TEXT};
}}
QLabel, QCheckBox, QRadioButton {{ background: transparent; }}
QCheckBox::indicator, QRadioButton::indicator {{
    width: 14px; height: 14px; border: 1px solid {MUTED}; background: {PANEL};
}}
QCheckBox::indicator {{ border-radius: 3px; }}
QRadioButton::indicator {{ border-radius: 8px; }}
QCheckBox::indicator:hover, QRadioButton::indicator:hover {{ border-color: {CYAN}; }}
QCheckBox::indicator:checked, QRadioButton::indicator:checked {{
    background: {CYAN}; border-color: {CYAN};
}}
QCheckBox::indicator:disabled, QRadioButton::indicator:disabled {{ border-color: #2d3346; }}
QMainWindow::separator {{ background: {BORDER}; width: 1px; height: 1px; }}
QFrame#TopBar {{
    background-color: {PANEL};
    border-bottom: 1px solid {BORDER};
}}
QLabel#Brand {{ color: {CYAN}; font-weight: 800; font-size: 15pt; letter-spacing: 1px; }}
QLabel#Trips {{ color: {MAGENTA}; font-weight: 700; }}
QLabel#Muted, QLabel[muted="true"] {{ color: {MUTED}; }}
QLabel#Problem {{ color: {DANGER}; }}
QLabel#Badge {{
    color: {BACKGROUND}; background-color: {CYAN}; border-radius: 6px; padding: 1px 6px;
    font-weight: 700;
}}
QTabWidget::pane {{ border: 1px solid {BORDER}; border-radius: 8px; top: -1px; }}
QTabBar::tab {{
    background: {PANEL}; color: {MUTED}; padding: 8px 18px; margin-right: 2px;
    border: 1px solid {BORDER}; border-bottom: none;
    border-top-left-radius: 8px; border-top-right-radius: 8px;
}}
QTabBar::tab:selected {{ color: {CYAN}; background: {RAISED}; border-color: {CYAN}; }}
QTabBar::tab:hover {{ color: {TEXT}; }}
QPushButton, QToolButton {{
    background-color: {RAISED}; color: {TEXT};
    border: 1px solid {BORDER}; border-radius: 8px; padding: 6px 14px;
}}
QPushButton:hover, QToolButton:hover {{ border-color: {CYAN}; }}
QPushButton:pressed, QToolButton:pressed {{ background-color: #0f3440; }}
QPushButton:disabled, QToolButton:disabled {{ color: #4c546b; border-color: #1d2232; }}
QPushButton[accent="true"] {{
    background-color: #07343d; border: 1px solid {CYAN}; color: {CYAN}; font-weight: 700;
}}
QPushButton[accent="true"]:hover {{ background-color: #0a4652; }}
QPushButton[accent="true"]:disabled {{
    background-color: {RAISED}; border-color: #1d2232; color: #4c546b;
}}
QPushButton[danger="true"] {{ color: {DANGER}; }}
QPushButton[danger="true"]:disabled {{ color: #4c546b; }}
QLineEdit, QPlainTextEdit, QTextEdit, QComboBox, QSpinBox, QDoubleSpinBox {{
    background-color: {PANEL}; border: 1px solid {BORDER}; border-radius: 6px; padding: 4px 6px;
}}
QLineEdit:focus, QPlainTextEdit:focus, QTextEdit:focus, QComboBox:focus {{
    border-color: {CYAN};
}}
QListView, QListWidget, QTreeView, QTreeWidget, QTableView, QTableWidget {{
    background-color: {PANEL}; border: 1px solid {BORDER}; border-radius: 8px;
    alternate-background-color: {RAISED};
}}
QListView::item:selected, QTreeView::item:selected, QTableView::item:selected {{
    background-color: #0d3340; color: {CYAN};
}}
QHeaderView::section {{
    background-color: {RAISED}; color: {MUTED}; border: none; padding: 4px 8px;
}}
QProgressBar {{
    background-color: {PANEL}; border: 1px solid {BORDER}; border-radius: 6px;
    text-align: center; height: 14px;
}}
QProgressBar::chunk {{
    border-radius: 5px;
    background-color: qlineargradient(x1:0, y1:0, x2:1, y2:0, stop:0 {CYAN}, stop:1 {MAGENTA});
}}
QScrollBar:vertical, QScrollBar:horizontal {{ background: {BACKGROUND}; border: none; }}
QScrollBar::handle {{
    background: {BORDER}; border-radius: 4px; min-height: 24px; min-width: 24px;
}}
QScrollBar::add-line, QScrollBar::sub-line {{ width: 0; height: 0; }}
QGroupBox {{
    border: 1px solid {BORDER}; border-radius: 8px; margin-top: 14px; padding-top: 6px;
}}
QGroupBox::title {{ subcontrol-origin: margin; left: 10px; color: {MUTED}; }}
QSplitter::handle {{ background: {BACKGROUND}; }}
QToolTip {{ background-color: {RAISED}; color: {TEXT}; border: 1px solid {CYAN}; }}
"""


def apply_theme(app: QApplication) -> None:
    """Fusion style (the same on every OS), the dark palette, the stylesheet and the font."""
    app.setStyle("Fusion")
    palette = QPalette()
    for role, colour in (
        (QPalette.ColorRole.Window, BACKGROUND),
        (QPalette.ColorRole.Base, PANEL),
        (QPalette.ColorRole.AlternateBase, RAISED),
        (QPalette.ColorRole.Button, RAISED),
        (QPalette.ColorRole.Text, TEXT),
        (QPalette.ColorRole.WindowText, TEXT),
        (QPalette.ColorRole.ButtonText, TEXT),
        (QPalette.ColorRole.Highlight, "#0d3340"),
        (QPalette.ColorRole.HighlightedText, CYAN),
        (QPalette.ColorRole.PlaceholderText, MUTED),
    ):
        palette.setColor(role, QColor(colour))
    app.setPalette(palette)
    font = QGuiApplication.font()
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    if font.pointSizeF() < 10:
        font.setPointSizeF(10)
    app.setFont(font)
    app.setStyleSheet(NEO_GLOW_QSS)
