"""The accounts strip: one connect button per platform, disabled until the cloud service lands.

Connecting goes through the cloud's OAuth flow (a later issue); until then each button says why
it cannot be pressed, so nobody wonders whether the app is broken.
"""

from __future__ import annotations

from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from studio.services.growth import PLATFORMS

CLOUD_LATER = (
    "Connecting accounts goes through Studio's cloud service, which lands in a later issue. "
    "Until then, scheduled posts are saved to the local outbox and can be uploaded by hand."
)


class AccountsStrip(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Accounts", parent)
        self.connect_buttons: list[QPushButton] = []
        buttons = QHBoxLayout()
        for platform in PLATFORMS:
            button = QPushButton(f"Connect {platform.name}")
            button.setEnabled(False)
            button.setToolTip(CLOUD_LATER)
            self.connect_buttons.append(button)
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.note = QLabel(CLOUD_LATER)
        self.note.setObjectName("Muted")
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.note)
