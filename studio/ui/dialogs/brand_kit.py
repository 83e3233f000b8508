"""The brand kit dialog: colours, text look, logo and caption colours, with a live preview.

One "Font style" sets both the kit's ``font_style`` and its ``caption_style.font_style``: a
short draws all its text in one look, so two separate choices would only confuse.

The preview is a tiny short drawn by the real assembler and compositor (``preview_frame``), so
it shows the pixels an export shows; it is drawn off the GUI thread and only the newest request
is shown. Saving validates with the spec's BrandKit model; a wrong
field is named inline. The saved kit becomes the active one, which every render then uses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QImage, QPixmap
from PySide6.QtWidgets import (
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select

from studio.pipeline.yuv import U8
from studio.services.brand import (
    BrandKitInvalid,
    active_brand_kit,
    import_logo,
    logo_file,
    preview_frame,
    save_brand_kit,
    validate_brand_kit,
)
from studio.services.library.db import Library
from studio.services.library.models import Asset, ProductionAsset
from studio.services.settings import SettingsError
from studio.spec import BrandKit
from studio.spec.common import KNOWN_CAPTION_LOOKS
from studio.ui.background import run_in_background

PREVIEW_DELAY_MS = 120
"""Typing a colour redraws the preview once the user pauses, not on every key."""


class ColorField(QWidget):
    """A #RRGGBB text field with a swatch button that opens the colour picker."""

    def __init__(self, value: str, optional: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit(value)
        self.edit.setPlaceholderText("from the brand colours" if optional else "#RRGGBB")
        self.pick = QPushButton("Pick...")
        self.pick.clicked.connect(self.choose)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.pick)
        self.edit.textChanged.connect(self._show_swatch)
        self._show_swatch(value)

    def text(self) -> str:
        return self.edit.text().strip()

    def set_color(self, value: str) -> None:
        self.edit.setText(value)

    def choose(self) -> None:
        start = QColor(self.text()) if QColor.isValidColorName(self.text()) else QColor("#ffffff")
        chosen = QColorDialog.getColor(start, self, "Choose a colour")
        if chosen.isValid():
            self.set_color(chosen.name().upper())

    def _show_swatch(self, value: str) -> None:
        valid = QColor.isValidColorName(value.strip()) and value.strip().startswith("#")
        style = f"background-color: {value.strip()};" if valid else ""
        self.pick.setStyleSheet(style)


class BrandKitDialog(QDialog):
    """Edits the active brand kit (or a first one); Save stores it in the library as active.

    ``production_id``: the open production, whose images are offered first as the logo.
    """

    def __init__(
        self, library: Library, production_id: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Brand kit")
        self.library = library
        self.problems = QLabel("")
        self.problems.setObjectName("Problem")
        self.problems.setWordWrap(True)
        self.kit_id: str | None = None
        kit, name = BrandKit(), "My brand"
        try:
            saved = active_brand_kit(library)
        except (BrandKitInvalid, SettingsError) as error:
            self.problems.setText(f"The saved brand kit cannot be used ({error}); starting anew.")
            saved = None
        if saved is not None:
            self.kit_id, kit, name = saved.id, saved.kit, saved.name

        self.name = QLineEdit(name)
        self.primary = ColorField(kit.primary_color)
        self.secondary = ColorField(kit.secondary_color)
        self.font_style = _look_box(kit.font_style)
        self.font_style.setToolTip("The look of on-screen text and captions")
        self.logo = QComboBox()
        self.logo.addItem("No logo", None)
        for asset_id, label in self._logo_choices(production_id):
            self.logo.addItem(label, asset_id)
        _select(self.logo, kit.logo_asset_id)
        self.caption_color = ColorField(kit.caption_style.primary_color or "", optional=True)
        self.highlight_color = ColorField(kit.caption_style.highlight_color or "", optional=True)
        self.preview = QLabel()
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(272, 482)
        self.preview.setToolTip("Drawn by the renderer: an export looks the same.")
        self._lay_out()
        self.preview_image = QImage()
        """The last preview drawn (what the label shows)."""
        self._requested = 0
        self._shown = 0
        self._redraw = QTimer(self)
        self._redraw.setSingleShot(True)
        self._redraw.setInterval(PREVIEW_DELAY_MS)
        self._redraw.timeout.connect(self.update_preview)
        for field in (self.primary, self.secondary, self.caption_color, self.highlight_color):
            field.edit.textChanged.connect(self._redraw.start)
        for box in (self.font_style, self.logo):
            box.currentIndexChanged.connect(self._redraw.start)
        self.update_preview()

    def _lay_out(self) -> None:
        logo_file_button = QPushButton("From a file...")
        logo_file_button.clicked.connect(self.choose_logo_file)
        logo_row = QHBoxLayout()
        logo_row.addWidget(self.logo, 1)
        logo_row.addWidget(logo_file_button)
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Primary colour", self.primary)
        form.addRow("Secondary colour", self.secondary)
        form.addRow("Font style", self.font_style)
        form.addRow("Logo", logo_row)
        captions = QGroupBox("Captions")
        caption_form = QFormLayout(captions)
        caption_form.addRow("Text colour", self.caption_color)
        caption_form.addRow("Highlight colour", self.highlight_color)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        fields = QVBoxLayout()
        fields.addLayout(form)
        fields.addWidget(captions)
        fields.addWidget(self.problems)
        fields.addStretch(1)
        columns = QHBoxLayout()
        columns.addLayout(fields, 1)
        columns.addWidget(self.preview)
        layout = QVBoxLayout(self)
        layout.addLayout(columns)
        layout.addWidget(buttons)

    def _logo_choices(self, production_id: str | None) -> list[tuple[str, str]]:
        """Image assets: the open production's first, then the rest of the library."""
        with self.library.session(readonly=True) as session:
            images = session.scalars(
                select(Asset).where(Asset.kind == "image").order_by(Asset.original_name)
            ).all()
            own = set()
            if production_id is not None:
                own = set(
                    session.scalars(
                        select(ProductionAsset.asset_id).where(
                            ProductionAsset.production_id == production_id
                        )
                    )
                )
            choices = [(asset.id, asset.original_name, asset.id in own) for asset in images]
        ordered = sorted(choices, key=lambda choice: not choice[2])
        return [
            (asset_id, name if mine else f"{name} (library)") for asset_id, name, mine in ordered
        ]

    def choose_logo_file(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            self, "Logo", "", "Images (*.png *.jpg *.jpeg *.webp *.bmp)"
        )
        if chosen:
            self.use_logo_file(Path(chosen))

    def use_logo_file(self, path: Path) -> None:
        """Import ``path`` into the library and select it as the logo."""
        try:
            asset_id = import_logo(self.library, path)
        except (BrandKitInvalid, OSError) as error:
            self.problems.setText(str(error))
            return
        if self.logo.findData(asset_id) < 0:
            self.logo.addItem(path.name, asset_id)
        _select(self.logo, asset_id)

    def document(self) -> dict[str, Any]:
        """The kit as the fields say, as spec JSON (not yet validated)."""
        caption: dict[str, Any] = {"font_style": self.font_style.currentData()}
        if self.caption_color.text():
            caption["primary_color"] = self.caption_color.text()
        if self.highlight_color.text():
            caption["highlight_color"] = self.highlight_color.text()
        data: dict[str, Any] = {
            "primary_color": self.primary.text(),
            "secondary_color": self.secondary.text(),
            "font_style": self.font_style.currentData(),
            "caption_style": caption,
        }
        if self.logo.currentData():
            data["logo_asset_id"] = self.logo.currentData()
        return data

    def kit(self) -> BrandKit:
        """The validated kit; BrandKitInvalid names each wrong field."""
        return validate_brand_kit(self.document())

    def update_preview(self) -> None:
        try:
            kit = self.kit()
        except BrandKitInvalid as error:
            self.problems.setText("\n".join(error.problems))
            return
        self.problems.setText("")
        logo = logo_file(self.library, kit.logo_asset_id) if kit.logo_asset_id else None
        self._requested += 1
        request = self._requested
        run_in_background(
            self,
            lambda: preview_frame(kit, logo),
            lambda rgb: self._show_preview(request, rgb),
            lambda message: self._preview_failed(request, message),
        )

    @property
    def preview_pending(self) -> bool:
        """Whether a newer preview than the one shown is being drawn."""
        return self._shown != self._requested

    def _preview_failed(self, request: int, message: str) -> None:
        if request == self._requested:
            self._shown = request
            self.problems.setText(f"The preview could not be drawn: {message}")

    def _show_preview(self, request: int, rgb: U8) -> None:
        if request != self._requested:
            return  # a newer request is on its way
        self._shown = request
        height, width = rgb.shape[:2]
        image = QImage(rgb.tobytes(), width, height, 3 * width, QImage.Format.Format_RGB888)
        self.preview_image = image.copy()
        self.preview.setPixmap(QPixmap.fromImage(self.preview_image))

    def save(self) -> None:
        try:
            kit = self.kit()
            self.kit_id = save_brand_kit(self.library, self.name.text(), kit, self.kit_id)
        except BrandKitInvalid as error:
            self.problems.setText("\n".join(error.problems))
            return
        except SettingsError as error:
            self.problems.setText(str(error))
            return
        self.accept()


def _look_box(value: str) -> QComboBox:
    """The text looks the spec knows (a saved unknown look is kept as its own item)."""
    box = QComboBox()
    for look in KNOWN_CAPTION_LOOKS:
        box.addItem(look.replace("_", " "), look)
    _select(box, value)
    return box


def _select(box: QComboBox, value: str | None) -> None:
    """Select the item holding ``value``; an unknown saved value is kept as its own item."""
    index = box.findData(value)
    if index < 0:
        box.addItem(str(value), value)
        index = box.count() - 1
    box.setCurrentIndex(index)
