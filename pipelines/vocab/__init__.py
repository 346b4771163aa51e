"""Header aliases and value vocabularies: committed data, extensible by configuration.

The TOML files beside this module are the source; :func:`load_vocabulary` merges the user's
additions from ``hoso.toml`` into them. Matching is done on *keys* (:func:`normalize_key`), so
spelling, case, diacritics, Unicode form and punctuation do not matter.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

VOCAB_DIR = Path(__file__).parent

CHANNELS = ("online", "direct", "postal")
STATUS_CLASSES = ("pending", "awaiting_supplement", "finished", "withdrawn", "refused")

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_SPACES = re.compile(r"[\t\n\v\f\r ]+")


def normalize_key(text: object) -> str:
    """The matching key of a header or a vocabulary word.

    NFC, case folding, diacritics removed (đ→d), every run of punctuation or space turned into
    one space, trimmed: ``"  MÃ HỒ SƠ (*):"`` → ``"ma ho so"``. A text with no letter or digit
    keeps its symbols (spaces collapsed), so that ``✓`` is a word too. The SQL macro
    ``vocab_key`` in ``sql/parse/macros.sql`` computes the same key for values inside DuckDB.
    """
    if text is None:
        return ""
    s = unicodedata.normalize("NFC", str(text)).lower().replace("đ", "d")
    s = "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))
    key = _NON_ALNUM.sub(" ", s).strip()
    if key:
        return key
    return _SPACES.sub(" ", unicodedata.normalize("NFC", str(text)).lower()).strip(" ")


class VocabularyError(ValueError):
    """The vocabulary (committed or from hoso.toml) is inconsistent."""


@dataclass(frozen=True)
class Vocabulary:
    """Every word hoso understands, keyed by :func:`normalize_key`.

    ``headers`` maps a header key to a canonical column, ``"personal"`` or ``"ignored"``.
    """

    headers: Mapping[str, str]
    required: tuple[str, ...]
    channels: Mapping[str, str]
    statuses: Mapping[str, str]
    flags: Mapping[str, bool]
    skip_labels: tuple[str, ...]
    export_time_labels: tuple[str, ...]
    #: labels that start the signature block: later rows without a reception date are footer
    footer_labels: tuple[str, ...] = field(default=())
    columns: tuple[str, ...] = field(default=())
    #: column → the column that stands in for it when it is absent (received_at ← submitted_at)
    fallbacks: Mapping[str, str] = field(default_factory=dict)
    #: column → its usual header (the first alias), for messages
    labels: Mapping[str, str] = field(default_factory=dict)
    #: due-date words that mean no due date (*Không quy định*), keyed
    no_due_words: tuple[str, ...] = field(default=())

    def column_for(self, header: object) -> str | None:
        """Canonical column (or ``personal``/``ignored``) of a raw header, None if unknown."""
        return self.headers.get(normalize_key(header))


def _read(name: str) -> dict:
    with (VOCAB_DIR / name).open("rb") as f:
        return tomllib.load(f)


def _invert(
    groups: Mapping[str, Sequence[str]], kind: str, allowed: Sequence[str] | None = None
) -> dict[str, str]:
    out: dict[str, str] = {}
    for target, words in groups.items():
        if allowed is not None and target not in allowed:
            raise VocabularyError(
                f"Từ vựng '{kind}': nhóm '{target}' không tồn tại; chỉ dùng: {', '.join(allowed)}."
            )
        for word in words:
            key = normalize_key(word)
            if not key:
                continue
            if out.get(key, target) != target:
                raise VocabularyError(
                    f"Từ vựng '{kind}': từ '{word}' thuộc cả '{out[key]}' và '{target}'."
                )
            out[key] = target
    return out


def load_vocabulary(
    extra_aliases: Mapping[str, Sequence[str]] | None = None,
    extra_channels: Mapping[str, Sequence[str]] | None = None,
    extra_statuses: Mapping[str, Sequence[str]] | None = None,
    extra_flags: Mapping[str, Sequence[str]] | None = None,
) -> Vocabulary:
    """The committed vocabulary, plus the user's additions (from ``hoso.toml``)."""
    aliases = _read("aliases.toml")
    columns = aliases["columns"]
    groups: dict[str, list[str]] = {c: list(spec["headers"]) for c, spec in columns.items()}
    groups["personal"] = list(aliases["personal"]["headers"])
    groups["ignored"] = list(aliases["ignored"]["headers"])
    for column, words in (extra_aliases or {}).items():
        if column not in groups:
            raise VocabularyError(
                f"[aliases] trong hoso.toml: cột '{column}' không tồn tại; "
                f"chỉ dùng: {', '.join(groups)}."
            )
        groups[column] = groups[column] + list(words)
    headers = _invert(groups, "aliases")

    def merged(name: str, extra: Mapping[str, Sequence[str]] | None) -> dict[str, list[str]]:
        base = {k: list(v) for k, v in _read(name).items()}
        for k, v in (extra or {}).items():
            base[k] = base.get(k, []) + list(v)
        return base

    flags_words = merged("flags.toml", extra_flags)
    flags = _invert(flags_words, "flags", ("true", "false"))
    layout = _read("layout.toml")
    return Vocabulary(
        headers=headers,
        required=tuple(c for c, spec in columns.items() if spec.get("required")),
        channels=_invert(merged("channels.toml", extra_channels), "channels", CHANNELS),
        statuses=_invert(merged("statuses.toml", extra_statuses), "statuses", STATUS_CLASSES),
        flags={k: v == "true" for k, v in flags.items()},
        skip_labels=tuple(normalize_key(w) for w in layout["skip_labels"]),
        footer_labels=tuple(normalize_key(w) for w in layout["footer_labels"]),
        export_time_labels=tuple(normalize_key(w) for w in layout["export_time_labels"]),
        columns=tuple(columns),
        fallbacks={
            spec["fallback_for"]: c for c, spec in columns.items() if "fallback_for" in spec
        },
        labels={c: spec["headers"][0] for c, spec in columns.items() if spec["headers"]},
        no_due_words=tuple(normalize_key(w) for w in layout.get("no_due_date", ())),
    )
