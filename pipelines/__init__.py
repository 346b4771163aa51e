"""hoso: dossier exports of Vietnam's public-service portals → report indicators."""

__version__ = "0.1.0"
