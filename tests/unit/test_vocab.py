"""The vocabulary: matching keys (Python, SQL and Arrow agree), and the committed TOML data."""

from __future__ import annotations

import unicodedata

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines import db
from pipelines.read.header import is_label, label_mask
from pipelines.vocab import (
    CHANNELS,
    STATUS_CLASSES,
    VocabularyError,
    load_vocabulary,
    normalize_key,
)

VIETNAMESE = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
)
LETTERS = VIETNAMESE + VIETNAMESE.upper() + "fjwzĐ"
PUNCT = " ,.;:()*-/_'\"!?\t\n"
text_st = st.text(alphabet=LETTERS + "0123456789" + PUNCT, max_size=30)
word_st = st.text(alphabet=LETTERS + "0123456789", min_size=1, max_size=12)


@pytest.fixture(scope="module")
def sql():
    con = db.connect(":memory:")
    yield con
    con.close()


@settings(max_examples=200, deadline=None)
@given(text_st)
def test_normalize_key_is_idempotent(text):
    key = normalize_key(text)
    assert normalize_key(key) == key


@settings(max_examples=200, deadline=None)
@given(
    st.lists(word_st, min_size=1, max_size=4), st.sampled_from(["", " ", "  ", ":", " *", "(*):"])
)
def test_normalize_key_ignores_form_case_and_surrounding_punctuation(words, tail):
    text = " ".join(words)
    key = normalize_key(text)
    variants = [
        unicodedata.normalize("NFD", text),
        unicodedata.normalize("NFC", text),
        text.upper(),
        text.lower(),
        f"  {text}{tail}",
        f"({text})",
        "  ".join(words),
    ]
    assert {normalize_key(v) for v in variants} == {key}
    assert key == key.strip() and "  " not in key
    assert key.isascii()


def test_normalize_key_examples():
    assert normalize_key("  MÃ HỒ SƠ (*):") == "ma ho so"
    assert normalize_key("Đơn vị/cá nhân giải quyết") == "don vi ca nhan giai quyet"
    assert normalize_key("Số Hoá") == normalize_key("Số hóa") == "so hoa"
    assert normalize_key("✓") == "✓" and normalize_key(" ✓ ") == "✓"
    assert normalize_key(None) == ""


@settings(max_examples=100, deadline=None)
@given(st.lists(text_st, min_size=1, max_size=30))
def test_sql_vocab_key_equals_python_normalize_key(sql, texts):
    texts = [*texts, *(unicodedata.normalize("NFD", t) for t in texts)]
    got = sql.execute("select list_transform(?, lambda x: vocab_key(x))", [texts]).fetchone()[0]
    assert got == [normalize_key(t) for t in texts]


SKIP_LABELS = tuple(load_vocabulary().skip_labels)


@settings(max_examples=100, deadline=None)
@given(st.lists(text_st, min_size=1, max_size=30))
def test_arrow_label_mask_equals_is_label(texts):
    labels = SKIP_LABELS
    texts = [*texts, "Tổng cộng: 5", "XÃ, PHƯỜNG Xuân Giang", "Cộng", "Cộng đồng"]
    cells = pa.chunked_array([pa.array(texts, pa.string())])
    assert label_mask(cells, labels).to_pylist() == [is_label(t, labels) for t in texts]


def test_symbols_in_the_sql_key(sql):
    assert sql.execute("select vocab_key(' ✓ '), vocab_key('✔')").fetchone() == ("✓", "✔")


# --- the committed data ----------------------------------------------------------------------


def test_every_header_of_the_spec_maps_to_its_column():
    v = load_vocabulary()
    spec = {
        "dossier_code": ["Mã hồ sơ", "Số hồ sơ", "Mã HS", "Số biên nhận", "Mã biên nhận", "MaHoSo"],
        "procedure_code": ["Mã thủ tục", "Mã TTHC", "MaTTHC"],
        "procedure_name": ["Tên thủ tục hành chính", "Tên thủ tục", "Tên TTHC", "Thủ tục",
                           "TenTTHC"],
        "sector_name": ["Lĩnh vực", "Tên lĩnh vực", "TenLinhVuc"],
        "unit_name": ["Đơn vị xử lý", "Đơn vị", "Cơ quan giải quyết", "Cơ quan thực hiện",
                      "Cơ quan thụ lý", "Đơn vị tiếp nhận", "Đơn vị/cá nhân giải quyết",
                      "DonViXuLy"],
        "channel": ["Hình thức nộp", "Hình thức tiếp nhận", "Kênh nộp", "Kênh tiếp nhận",
                    "Nguồn hồ sơ", "KenhThucHien"],
        "online_flag": ["Trực tuyến"],
        "received_at": ["Ngày tiếp nhận", "Ngày nhận", "Thời gian tiếp nhận", "Ngày nhận hồ sơ",
                        "NgayTiepNhan"],
        "submitted_at": ["Ngày nộp", "Ngày nộp hồ sơ", "Ngày gửi", "NgayNopHoSo"],
        "due_at": ["Ngày hẹn trả", "Ngày hẹn trả kết quả", "Hạn xử lý", "Hạn giải quyết",
                   "NgayHenTra"],
        "extended_due_at": ["Ngày gia hạn"],
        "finished_at": ["Ngày có kết quả", "Ngày hoàn thành", "Ngày kết thúc xử lý",
                        "Ngày xử lý xong", "NgayKetThucXuLy"],
        "returned_at": ["Ngày trả kết quả", "Ngày trả", "Ngày nhận kết quả", "NgayTra"],
        "status": ["Trạng thái", "Tình trạng", "Trạng thái hồ sơ", "TrangThaiHoSo"],
        "is_digitized": ["Số hóa", "Số hóa hồ sơ", "Đã số hóa", "Có thành phần số hóa",
                         "HoSoCoThanhPhanSoHoa"],
        "has_e_result": ["Kết quả điện tử", "Cấp kết quả điện tử", "Số hóa kết quả"],
        "personal": ["Người nộp", "Chủ hồ sơ", "Tên người nộp", "Họ tên người nộp", "Họ tên",
                     "Tổ chức/Cá nhân", "Họ tên / Địa chỉ chủ hồ sơ", "Số điện thoại",
                     "Điện thoại", "SĐT", "Email", "Địa chỉ", "CMND/CCCD", "Số CCCD",
                     "Số giấy tờ", "ChuHoSo", "SoGiayToChuHoSo", "SoDienThoai"],
        "ignored": ["STT", "TT"],
    }  # fmt: skip
    for column, headers in spec.items():
        for header in headers:
            assert v.column_for(header) == column, header
    assert set(v.required) == {"dossier_code", "channel", "received_at"}
    assert v.fallbacks == {"channel": "online_flag", "received_at": "submitted_at"}


def test_value_vocabularies_use_only_known_classes():
    v = load_vocabulary()
    assert set(v.channels.values()) == set(CHANNELS)
    assert set(v.statuses.values()) == set(STATUS_CLASSES)
    assert {v.statuses[str(k)] for k in range(1, 11)} == set(STATUS_CLASSES)
    assert v.flags["✓"] is True and v.flags["x"] is True and v.flags["khong"] is False


def test_the_users_additions_extend_the_vocabulary():
    v = load_vocabulary(
        extra_aliases={"dossier_code": ["Mã số hồ sơ"]},
        extra_channels={"online": ["Cổng DVC quốc gia"]},
        extra_statuses={"pending": ["Đang thẩm định"]},
        extra_flags={"true": ["Đạt"]},
    )
    assert v.column_for("MÃ SỐ HỒ SƠ:") == "dossier_code"
    assert v.channels["cong dvc quoc gia"] == "online"
    assert v.statuses["dang tham dinh"] == "pending"
    assert v.flags["dat"] is True


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"extra_aliases": {"dossier_number": ["Số"]}}, "dossier_number"),
        ({"extra_statuses": {"done": ["Xong"]}}, "done"),
        ({"extra_statuses": {"pending": ["Hoàn thành"]}}, "Hoàn thành"),
        ({"extra_aliases": {"status": ["Mã hồ sơ"]}}, "Mã hồ sơ"),
        ({"extra_flags": {"maybe": ["Có thể"]}}, "maybe"),
    ],
)
def test_inconsistent_additions_are_refused_with_the_word(kwargs, fragment):
    with pytest.raises(VocabularyError, match=fragment):
        load_vocabulary(**kwargs)
