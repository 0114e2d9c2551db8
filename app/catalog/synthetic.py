"""Deterministic synthetic procedure corpus for scale tests.

Produces records shaped like lines of a ``.jsonl`` import file (see
``schema/procedure.schema.json``): Vietnamese text with full diacritics,
about 2 KB per JSON line, with ~5 % Thai-language records.  Text is
assembled from phrase banks (sectors, agencies, the 63 provinces, title
patterns, step sentences, document names, form fields, legal bases) and
every bank is sampled with Zipf-like weights, so word frequencies in the
corpus are skewed and varied the way real catalog text is, which is what
full-text search benchmarks need.

Record ``i`` depends only on ``(seed, i)``: it is generated from its own
``random.Random`` instance, never from the global random state, so any
slice of the corpus can be regenerated independently and in any order.

Codes are ``"5." + six-digit index`` (``5.000000`` .. ``5.999999``); real
national codes start with ``1.`` or ``2.`` so synthetic rows never collide
with imported ones.  Beyond one million records the major part becomes
15, 25, 35, ... which keeps codes unique and still never ``1.``/``2.``.

Only the standard library is used, so the module can be imported (and run
as a script: ``python -m app.catalog.synthetic COUNT [SEED] > out.jsonl``)
before the rest of the app is usable.
"""

from __future__ import annotations

import json
import random
from bisect import bisect_right
from itertools import accumulate
from typing import Iterator, Sequence, TextIO

__all__ = ["generate_records", "write_jsonl"]


# ---------------------------------------------------------------------------
# Sampling helpers
# ---------------------------------------------------------------------------

class _Bank:
    """Items with Zipf weights 1/(rank+1)**s; earlier items are more frequent."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, items: Sequence, s: float = 1.0) -> None:
        self.items = tuple(items)
        if not self.items:
            raise ValueError("empty bank")
        # Precomputed cumulative weights make each draw one random() + bisect,
        # which keeps 100k records well inside the time budget.
        self.cum = list(accumulate(1.0 / (r + 1) ** s for r in range(len(self.items))))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random):
        return self.items[bisect_right(self.cum, rng.random() * self.total)]

    def sample(self, rng: random.Random, k: int) -> list:
        """Up to k distinct items, still Zipf-biased (rejection of repeats)."""
        k = min(k, len(self.items))
        out: list = []
        tries = 0
        while len(out) < k and tries < k * 8:
            tries += 1
            item = self.pick(rng)
            if item not in out:
                out.append(item)
        return out


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _low(text: str) -> str:
    return text[:1].lower() + text[1:]


def _vnd(amount: int) -> str:
    # Vietnamese documents group thousands with dots: 1.500.000 đồng.
    return f"{amount:,}".replace(",", ".")


def _ri(rng: random.Random, a: int, b: int) -> int:
    # random() arithmetic is several times cheaper than Random.randint.
    return a + int(rng.random() * (b - a + 1))


def _ch(rng: random.Random, seq: Sequence):
    return seq[int(rng.random() * len(seq))]


def _date(rng: random.Random, y0: int, y1: int) -> str:
    # Day capped at 28 so every generated date is valid for the format checker.
    return f"{_ri(rng, y0, y1):04d}-{_ri(rng, 1, 12):02d}-{_ri(rng, 1, 28):02d}"


# ---------------------------------------------------------------------------
# Phrase banks: agencies
# ---------------------------------------------------------------------------

# (name, abbreviation used in document numbers such as 04/2020/TT-BTP)
_MINISTRIES = (
    ("Bộ Tư pháp", "BTP"),
    ("Bộ Công an", "BCA"),
    ("Bộ Tài nguyên và Môi trường", "BTNMT"),
    ("Bộ Tài chính", "BTC"),
    ("Bộ Y tế", "BYT"),
    ("Bộ Giáo dục và Đào tạo", "BGDĐT"),
    ("Bộ Lao động - Thương binh và Xã hội", "BLĐTBXH"),
    ("Bộ Kế hoạch và Đầu tư", "BKHĐT"),
    ("Bộ Xây dựng", "BXD"),
    ("Bộ Giao thông vận tải", "BGTVT"),
    ("Bộ Công Thương", "BCT"),
    ("Bộ Nông nghiệp và Phát triển nông thôn", "BNNPTNT"),
    ("Bộ Văn hóa, Thể thao và Du lịch", "BVHTTDL"),
    ("Bộ Thông tin và Truyền thông", "BTTTT"),
    ("Bộ Khoa học và Công nghệ", "BKHCN"),
    ("Bộ Nội vụ", "BNV"),
    ("Bộ Ngoại giao", "BNG"),
    ("Bộ Quốc phòng", "BQP"),
    ("Ngân hàng Nhà nước Việt Nam", "NHNN"),
    ("Ủy ban Dân tộc", "UBDT"),
    ("Thanh tra Chính phủ", "TTCP"),
)

_CITIES = ("Hà Nội", "Hồ Chí Minh", "Hải Phòng", "Đà Nẵng", "Cần Thơ")
_PROVINCES = (
    "Thanh Hóa", "Nghệ An", "Đồng Nai", "Bình Dương", "Quảng Ninh", "Khánh Hòa",
    "Lâm Đồng", "Thừa Thiên Huế", "Bắc Ninh", "Hải Dương", "An Giang", "Long An",
    "Bà Rịa - Vũng Tàu", "Đắk Lắk", "Gia Lai", "Kiên Giang", "Nam Định", "Thái Bình",
    "Thái Nguyên", "Quảng Nam", "Bình Định", "Tiền Giang", "Hà Tĩnh", "Vĩnh Phúc",
    "Phú Thọ", "Bắc Giang", "Quảng Ngãi", "Đồng Tháp", "Cà Mau", "Sóc Trăng",
    "Tây Ninh", "Bình Thuận", "Bến Tre", "Vĩnh Long", "Trà Vinh", "Hậu Giang",
    "Bạc Liêu", "Hưng Yên", "Ninh Bình", "Hà Nam", "Hòa Bình", "Sơn La",
    "Lào Cai", "Yên Bái", "Tuyên Quang", "Hà Giang", "Cao Bằng", "Bắc Kạn",
    "Lạng Sơn", "Điện Biên", "Lai Châu", "Quảng Bình", "Quảng Trị", "Phú Yên",
    "Ninh Thuận", "Kon Tum", "Đắk Nông", "Bình Phước",
)
# (agency name, locality phrase used inside sentences)
_LOCALITIES = _Bank(
    [(f"UBND Thành phố {c}", f"thành phố {c}") for c in _CITIES]
    + [(f"UBND Tỉnh {p}", f"tỉnh {p}") for p in _PROVINCES],
    s=0.6,
)

_DB_POP = "Cơ sở dữ liệu quốc gia về dân cư"
_DB_RES = "Cơ sở dữ liệu về cư trú"
_DB_BIZ = "Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp"
_DB_LAND = "Cơ sở dữ liệu đất đai quốc gia"
_DB_INS = "Cơ sở dữ liệu quốc gia về bảo hiểm"
_DB_TAX = "Cơ sở dữ liệu về thuế"
_DB_CIV = "Cơ sở dữ liệu hộ tịch điện tử"
_DB_INV = "Hệ thống thông tin quốc gia về đầu tư"
_DB_IMM = "Cơ sở dữ liệu quốc gia về xuất nhập cảnh"
_DATABASES = _Bank((_DB_POP, _DB_BIZ, _DB_LAND, _DB_CIV, _DB_INS, _DB_TAX, _DB_RES, _DB_INV,
                    "Hệ thống thông tin giải quyết thủ tục hành chính cấp tỉnh"))


# ---------------------------------------------------------------------------
# Phrase banks: sectors and the objects their procedures act on
# ---------------------------------------------------------------------------

class _Sector:
    __slots__ = ("vi", "en", "th", "ministry", "law", "central", "province", "district", "objects")

    def __init__(self, vi, en, th, ministry, law, central, province, district, objects):
        self.vi, self.en, self.th = vi, en, th
        self.ministry = ministry
        self.law = law
        self.central, self.province, self.district = central, province, district
        # Object classes select compatible title verbs so titles read naturally:
        # l = licensed activity, r = registrable fact, c = certificate/card,
        # d = plan or dossier to appraise, b = benefit or case to settle.
        self.objects = _Bank(objects, s=0.8)


_SECTORS = _Bank([
    _Sector("Hộ tịch", "civil status", "การทะเบียนราษฎร", 0, "Luật Hộ tịch",
            "Cục Hộ tịch, quốc tịch, chứng thực", "Sở Tư pháp", "Phòng Tư pháp", (
                ("r", "khai sinh", "birth"), ("r", "kết hôn", "marriage"), ("r", "khai tử", "death"),
                ("r", "nhận cha, mẹ, con", "parent-child recognition"),
                ("r", "thay đổi, cải chính, bổ sung thông tin hộ tịch", "civil status corrections"),
                ("r", "giám hộ", "guardianship"),
                ("c", "giấy xác nhận tình trạng hôn nhân", "marital status certificate"),
                ("c", "bản sao trích lục hộ tịch", "civil status extract"))),
    _Sector("Đăng ký, quản lý cư trú", "residence management", "การทะเบียนบ้าน", 1, "Luật Cư trú",
            "Cục Cảnh sát quản lý hành chính về trật tự xã hội", "Công an cấp tỉnh", "Công an cấp huyện", (
                ("r", "thường trú", "permanent residence"), ("r", "tạm trú", "temporary residence"),
                ("r", "lưu trú", "short stay"), ("r", "tách hộ", "household separation"),
                ("c", "giấy xác nhận thông tin về cư trú", "residence information certificate"))),
    _Sector("Đất đai", "land", "ที่ดิน", 2, "Luật Đất đai",
            "Cục Đăng ký và Dữ liệu thông tin đất đai", "Sở Tài nguyên và Môi trường",
            "Phòng Tài nguyên và Môi trường", (
                ("r", "biến động đất đai", "land changes"),
                ("c", "giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác gắn liền với đất",
                 "land use right and house ownership certificate"),
                ("d", "chuyển mục đích sử dụng đất", "land use conversion"),
                ("d", "tách thửa, hợp thửa đất", "land parcel subdivision and merger"),
                ("d", "giao đất, cho thuê đất", "land allocation and lease"),
                ("b", "cung cấp thông tin đất đai", "land information provision"),
                ("r", "thế chấp quyền sử dụng đất", "land use right mortgage"),
                ("d", "gia hạn sử dụng đất", "land use term extension"))),
    _Sector("Thuế", "taxation", "ภาษีอากร", 3, "Luật Quản lý thuế",
            "Tổng cục Thuế", "Cục Thuế tỉnh", "Chi cục Thuế khu vực", (
                ("r", "thuế lần đầu", "first-time tax"), ("b", "hoàn thuế giá trị gia tăng", "VAT refund"),
                ("b", "miễn, giảm thuế", "tax exemption and reduction"),
                ("b", "quyết toán thuế thu nhập cá nhân", "personal income tax finalization"),
                ("r", "sử dụng hóa đơn điện tử", "use of electronic invoices"),
                ("b", "gia hạn nộp thuế", "tax payment deferral"),
                ("b", "xóa nợ tiền thuế, tiền chậm nộp", "tax debt cancellation"))),
    _Sector("Y tế", "health", "สาธารณสุข", 4, "Luật Khám bệnh, chữa bệnh",
            "Cục Quản lý Khám, chữa bệnh", "Sở Y tế", "Phòng Y tế", (
                ("c", "chứng chỉ hành nghề khám bệnh, chữa bệnh", "medical practice certificate"),
                ("l", "hoạt động phòng khám đa khoa", "general clinic operation"),
                ("l", "hoạt động bệnh viện", "hospital operation"),
                ("l", "hoạt động phòng khám chuyên khoa", "specialist clinic operation"),
                ("l", "dịch vụ cấp cứu, hỗ trợ vận chuyển người bệnh", "ambulance services"),
                ("l", "hoạt động phòng chẩn trị y học cổ truyền", "traditional medicine clinic"),
                ("d", "danh mục kỹ thuật chuyên môn", "list of medical techniques"))),
    _Sector("Thành lập và hoạt động doanh nghiệp", "enterprise registration", "ทะเบียนธุรกิจ", 7,
            "Luật Doanh nghiệp", "Cục Quản lý đăng ký kinh doanh", "Sở Kế hoạch và Đầu tư",
            "Phòng Tài chính - Kế hoạch", (
                ("r", "thành lập doanh nghiệp tư nhân", "sole proprietorship establishment"),
                ("r", "thành lập công ty trách nhiệm hữu hạn một thành viên", "single-member LLC establishment"),
                ("r", "thành lập công ty cổ phần", "joint-stock company establishment"),
                ("r", "hoạt động chi nhánh, văn phòng đại diện", "branch and representative office"),
                ("b", "tạm ngừng kinh doanh", "business suspension"),
                ("b", "giải thể doanh nghiệp", "enterprise dissolution"),
                ("r", "hộ kinh doanh", "household business"),
                ("r", "thay đổi người đại diện theo pháp luật", "change of legal representative"))),
    _Sector("Xây dựng", "construction", "การก่อสร้าง", 8, "Luật Xây dựng",
            "Cục Quản lý hoạt động xây dựng", "Sở Xây dựng", "Phòng Quản lý đô thị", (
                ("l", "xây dựng nhà ở riêng lẻ", "individual house construction"),
                ("l", "xây dựng công trình không theo tuyến", "non-linear construction works"),
                ("l", "sửa chữa, cải tạo công trình", "renovation of works"),
                ("d", "thiết kế xây dựng triển khai sau thiết kế cơ sở", "detailed construction design"),
                ("c", "chứng chỉ hành nghề hoạt động xây dựng", "construction practice certificate"),
                ("c", "chứng chỉ năng lực hoạt động xây dựng", "construction capacity certificate"),
                ("d", "nhiệm vụ quy hoạch chi tiết xây dựng", "detailed construction planning brief"),
                ("l", "di dời công trình", "relocation of works"))),
    _Sector("Giáo dục và Đào tạo", "education", "การศึกษา", 5, "Luật Giáo dục",
            "Cục Quản lý chất lượng", "Sở Giáo dục và Đào tạo", "Phòng Giáo dục và Đào tạo", (
                ("d", "thành lập trường mầm non tư thục", "private kindergarten establishment"),
                ("l", "hoạt động giáo dục của trường tiểu học", "primary school operation"),
                ("c", "bản sao văn bằng, chứng chỉ từ sổ gốc", "copy of diploma from master register"),
                ("c", "công nhận văn bằng do cơ sở giáo dục nước ngoài cấp", "recognition of foreign diplomas"),
                ("b", "chuyển trường đối với học sinh trung học", "secondary school transfer"),
                ("l", "tổ chức hoạt động dạy thêm, học thêm", "extra tutoring"),
                ("l", "hoạt động trung tâm ngoại ngữ, tin học", "language and IT centre operation"))),
    _Sector("Việc làm", "employment", "การจัดหางาน", 6, "Luật Việc làm",
            "Cục Việc làm", "Sở Lao động - Thương binh và Xã hội", "Phòng Lao động - Thương binh và Xã hội", (
                ("b", "trợ cấp thất nghiệp", "unemployment benefits"),
                ("c", "giấy phép lao động cho người nước ngoài", "work permit for foreigners"),
                ("l", "hoạt động dịch vụ việc làm", "employment services"),
                ("l", "hoạt động cho thuê lại lao động", "labour outsourcing"),
                ("b", "hỗ trợ học nghề", "vocational training support"),
                ("r", "hợp đồng đưa người lao động đi làm việc ở nước ngoài", "overseas labour contract"))),
    _Sector("Lưu thông hàng hóa trong nước", "domestic trade", "การค้าภายในประเทศ", 10, "Luật Thương mại",
            "Vụ Thị trường trong nước", "Sở Công Thương", "Phòng Kinh tế", (
                ("l", "kinh doanh xăng dầu", "petroleum trading"),
                ("l", "bán lẻ rượu", "liquor retail"),
                ("l", "bán lẻ sản phẩm thuốc lá", "tobacco retail"),
                ("l", "kinh doanh khí", "gas trading"),
                ("r", "hoạt động bán hàng đa cấp tại địa phương", "local multi-level marketing"),
                ("r", "thực hiện khuyến mại", "sales promotion"),
                ("l", "sản xuất rượu thủ công nhằm mục đích kinh doanh", "craft liquor production"))),
    _Sector("An toàn thực phẩm", "food safety", "ความปลอดภัยอาหาร", 4, "Luật An toàn thực phẩm",
            "Cục An toàn thực phẩm", "Chi cục An toàn vệ sinh thực phẩm", "Phòng Y tế", (
                ("c", "giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm", "food safety eligibility certificate"),
                ("r", "bản công bố sản phẩm", "product declaration"),
                ("r", "nội dung quảng cáo thực phẩm", "food advertising content"),
                ("r", "thực phẩm bảo vệ sức khỏe", "health supplement"),
                ("c", "giấy xác nhận kiến thức về an toàn thực phẩm", "food safety knowledge certificate"))),
    _Sector("Môi trường", "environment", "สิ่งแวดล้อม", 2, "Luật Bảo vệ môi trường",
            "Cục Kiểm soát ô nhiễm môi trường", "Sở Tài nguyên và Môi trường", "Phòng Tài nguyên và Môi trường", (
                ("d", "báo cáo đánh giá tác động môi trường", "environmental impact assessment report"),
                ("c", "giấy phép môi trường", "environmental permit"),
                ("r", "kế hoạch bảo vệ môi trường", "environmental protection plan"),
                ("l", "xử lý chất thải nguy hại", "hazardous waste treatment"),
                ("d", "kết quả vận hành thử nghiệm công trình xử lý chất thải", "waste treatment trial results"))),
    _Sector("Dược phẩm", "pharmaceuticals", "ยา", 4, "Luật Dược",
            "Cục Quản lý Dược", "Sở Y tế", "Phòng Y tế", (
                ("c", "chứng chỉ hành nghề dược", "pharmacy practice certificate"),
                ("c", "giấy chứng nhận đủ điều kiện kinh doanh dược", "pharmaceutical business eligibility certificate"),
                ("r", "lưu hành thuốc", "drug marketing authorization"),
                ("r", "hồ sơ quảng cáo thuốc", "drug advertising dossier"),
                ("l", "hoạt động nhà thuốc", "pharmacy operation"))),
    _Sector("Bảo trợ xã hội", "social protection", "สวัสดิการสังคม", 6, "Luật Người khuyết tật",
            "Cục Bảo trợ xã hội", "Sở Lao động - Thương binh và Xã hội", "Phòng Lao động - Thương binh và Xã hội", (
                ("b", "trợ cấp xã hội hằng tháng", "monthly social allowance"),
                ("b", "hỗ trợ chi phí mai táng", "funeral cost support"),
                ("b", "xác định, xác định lại mức độ khuyết tật", "disability assessment"),
                ("l", "hoạt động cơ sở trợ giúp xã hội", "social assistance facility"),
                ("b", "tiếp nhận đối tượng bảo trợ xã hội", "admission of social protection beneficiaries"))),
    _Sector("Đường bộ", "road transport", "การขนส่งทางบก", 9, "Luật Giao thông đường bộ",
            "Cục Đường bộ Việt Nam", "Sở Giao thông vận tải", "Phòng Kinh tế và Hạ tầng", (
                ("c", "giấy phép lái xe", "driving licence"),
                ("l", "kinh doanh vận tải bằng xe ô tô", "road transport business"),
                ("c", "phù hiệu xe ô tô kinh doanh vận tải", "transport vehicle badge"),
                ("l", "đào tạo lái xe ô tô", "driver training"),
                ("l", "lưu hành xe quá tải trọng, xe quá khổ giới hạn", "oversize vehicle circulation"),
                ("d", "thiết kế điểm đấu nối vào quốc lộ", "highway connection design"))),
    _Sector("Xuất nhập cảnh", "immigration", "การเข้าเมือง", 1, "Luật Xuất cảnh, nhập cảnh của công dân Việt Nam",
            "Cục Quản lý xuất nhập cảnh", "Phòng Quản lý xuất nhập cảnh Công an tỉnh", "Công an cấp huyện", (
                ("c", "hộ chiếu phổ thông", "ordinary passport"),
                ("c", "thị thực cho người nước ngoài", "visa for foreigners"),
                ("c", "thẻ tạm trú cho người nước ngoài", "temporary residence card for foreigners"),
                ("c", "giấy miễn thị thực", "visa exemption certificate"),
                ("r", "tạm trú của người nước ngoài", "temporary stay of foreigners"))),
    _Sector("Chứng thực", "authentication", "การรับรองเอกสาร", 0, "Luật Công chứng",
            "Cục Hộ tịch, quốc tịch, chứng thực", "Sở Tư pháp", "Phòng Tư pháp", (
                ("r", "chứng thực bản sao từ bản chính", "certified copy from original"),
                ("r", "chứng thực chữ ký", "signature authentication"),
                ("r", "chứng thực hợp đồng, giao dịch", "contract authentication"),
                ("r", "chứng thực văn bản thỏa thuận phân chia di sản", "estate division agreement authentication"),
                ("r", "chứng thực việc sửa đổi, bổ sung hợp đồng", "contract amendment authentication"))),
    _Sector("Đầu tư", "investment", "การลงทุน", 7, "Luật Đầu tư",
            "Cục Đầu tư nước ngoài", "Sở Kế hoạch và Đầu tư", "Phòng Tài chính - Kế hoạch", (
                ("d", "chủ trương đầu tư dự án", "investment policy for projects"),
                ("c", "giấy chứng nhận đăng ký đầu tư", "investment registration certificate"),
                ("r", "góp vốn, mua cổ phần của nhà đầu tư nước ngoài", "foreign capital contribution"),
                ("d", "điều chỉnh dự án đầu tư", "investment project adjustment"),
                ("b", "chấm dứt hoạt động dự án đầu tư", "investment project termination"))),
    _Sector("Trồng trọt", "crop production", "การเพาะปลูก", 11, "Luật Trồng trọt",
            "Cục Trồng trọt", "Sở Nông nghiệp và Phát triển nông thôn", "Phòng Nông nghiệp và Phát triển nông thôn", (
                ("r", "lưu hành giống cây trồng", "plant variety circulation"),
                ("l", "sản xuất phân bón", "fertiliser production"),
                ("l", "buôn bán thuốc bảo vệ thực vật", "pesticide trading"),
                ("c", "mã số vùng trồng", "growing area code"),
                ("c", "giấy chứng nhận kiểm dịch thực vật", "phytosanitary certificate"))),
    _Sector("Văn hóa", "culture", "วัฒนธรรม", 12, "Luật Di sản văn hóa",
            "Cục Nghệ thuật biểu diễn", "Sở Văn hóa, Thể thao và Du lịch", "Phòng Văn hóa và Thông tin", (
                ("r", "tổ chức biểu diễn nghệ thuật", "art performance"),
                ("l", "kinh doanh dịch vụ karaoke", "karaoke services"),
                ("r", "tổ chức lễ hội", "festival organization"),
                ("d", "dự án tu bổ di tích lịch sử - văn hóa", "relic restoration project"),
                ("l", "tổ chức triển lãm mỹ thuật", "art exhibition"),
                ("l", "giám định cổ vật", "antique appraisal"),
                ("c", "danh hiệu gia đình văn hóa", "cultured family title"))),
    _Sector("Giao thông đường thủy nội địa", "inland waterways", "การขนส่งทางน้ำ", 9,
            "Luật Giao thông đường thủy nội địa", "Cục Đường thủy nội địa Việt Nam", "Sở Giao thông vận tải",
            "Phòng Kinh tế và Hạ tầng", (
                ("r", "phương tiện thủy nội địa", "inland waterway vessel"),
                ("l", "hoạt động bến thủy nội địa", "inland wharf operation"),
                ("c", "chứng chỉ chuyên môn thuyền viên", "crew competence certificate"))),
    _Sector("Du lịch", "tourism", "การท่องเที่ยว", 12, "Luật Du lịch",
            "Cục Du lịch Quốc gia Việt Nam", "Sở Du lịch", "Phòng Văn hóa và Thông tin", (
                ("l", "kinh doanh dịch vụ lữ hành nội địa", "domestic travel business"),
                ("c", "thẻ hướng dẫn viên du lịch", "tour guide card"),
                ("c", "hạng cơ sở lưu trú du lịch", "tourist accommodation rating"),
                ("c", "khu du lịch cấp tỉnh", "provincial tourist area"))),
    _Sector("Báo chí", "press", "สื่อสิ่งพิมพ์", 13, "Luật Báo chí",
            "Cục Báo chí", "Sở Thông tin và Truyền thông", "Phòng Văn hóa và Thông tin", (
                ("l", "hoạt động báo in", "print press operation"),
                ("l", "xuất bản bản tin", "newsletter publishing"),
                ("l", "thiết lập trang thông tin điện tử tổng hợp", "general news website"),
                ("r", "tổ chức họp báo", "press conference"))),
    _Sector("Viễn thông và Internet", "telecommunications", "โทรคมนาคม", 13, "Luật Viễn thông",
            "Cục Viễn thông", "Sở Thông tin và Truyền thông", "Phòng Văn hóa và Thông tin", (
                ("l", "cung cấp dịch vụ viễn thông", "telecom services"),
                ("l", "cung cấp trò chơi điện tử trên mạng", "online games provision"),
                ("c", "giấy phép sử dụng tần số vô tuyến điện", "radio frequency licence"),
                ("l", "thiết lập mạng viễn thông dùng riêng", "private telecom network"))),
    _Sector("Sở hữu trí tuệ", "intellectual property", "ทรัพย์สินทางปัญญา", 14, "Luật Sở hữu trí tuệ",
            "Cục Sở hữu trí tuệ", "Sở Khoa học và Công nghệ", "Phòng Kinh tế", (
                ("c", "văn bằng bảo hộ nhãn hiệu", "trademark registration certificate"),
                ("c", "bằng độc quyền sáng chế", "invention patent"),
                ("c", "bằng độc quyền kiểu dáng công nghiệp", "industrial design patent"),
                ("r", "chỉ dẫn địa lý", "geographical indication"),
                ("r", "hợp đồng chuyển giao quyền sử dụng đối tượng sở hữu công nghiệp", "IP licence contract"))),
    _Sector("Tôn giáo", "religion", "ศาสนา", 15, "Luật Tín ngưỡng, tôn giáo",
            "Ban Tôn giáo Chính phủ", "Sở Nội vụ", "Phòng Nội vụ", (
                ("r", "sinh hoạt tôn giáo tập trung", "collective religious activities"),
                ("r", "thành lập tổ chức tôn giáo trực thuộc", "affiliated religious organization"),
                ("r", "hoạt động tín ngưỡng", "belief activities"),
                ("r", "người được phong phẩm, bổ nhiệm chức sắc", "clergy ordination"))),
    _Sector("Thi đua, khen thưởng", "emulation and rewards", "การเชิดชูเกียรติ", 15, "Luật Thi đua, khen thưởng",
            "Ban Thi đua - Khen thưởng Trung ương", "Sở Nội vụ", "Phòng Nội vụ", (
                ("b", "tặng bằng khen", "certificate of merit"),
                ("b", "tặng danh hiệu chiến sĩ thi đua cơ sở", "grassroots emulation title"),
                ("b", "đề nghị tặng huân chương lao động", "labour order nomination"),
                ("b", "khen thưởng đột xuất", "ad hoc reward"))),
    _Sector("Người có công", "people with meritorious services", "ทหารผ่านศึก", 6,
            "Pháp lệnh Ưu đãi người có công với cách mạng", "Cục Người có công",
            "Sở Lao động - Thương binh và Xã hội", "Phòng Lao động - Thương binh và Xã hội", (
                ("b", "chế độ ưu đãi người có công", "preferential treatment for meritorious people"),
                ("b", "trợ cấp tuất", "survivorship allowance"),
                ("d", "hồ sơ công nhận liệt sĩ", "martyr recognition dossier"),
                ("b", "di chuyển hồ sơ người có công", "transfer of meritorious person records"))),
    _Sector("Bảo hiểm xã hội", "social insurance", "ประกันสังคม", 6, "Luật Bảo hiểm xã hội",
            "Bảo hiểm xã hội Việt Nam", "Bảo hiểm xã hội tỉnh", "Bảo hiểm xã hội huyện", (
                ("b", "chế độ thai sản", "maternity benefits"),
                ("b", "lương hưu", "pension"),
                ("b", "bảo hiểm xã hội một lần", "lump-sum social insurance"),
                ("c", "sổ bảo hiểm xã hội", "social insurance book"),
                ("c", "thẻ bảo hiểm y tế", "health insurance card"))),
    _Sector("Chăn nuôi và thú y", "livestock and veterinary", "การปศุสัตว์", 11, "Luật Thú y",
            "Cục Thú y", "Chi cục Chăn nuôi và Thú y", "Phòng Nông nghiệp và Phát triển nông thôn", (
                ("c", "chứng chỉ hành nghề thú y", "veterinary practice certificate"),
                ("l", "sản xuất thức ăn chăn nuôi", "animal feed production"),
                ("c", "giấy chứng nhận kiểm dịch động vật", "animal quarantine certificate"),
                ("l", "chăn nuôi trang trại quy mô lớn", "large-scale livestock farming"),
                ("l", "buôn bán thuốc thú y", "veterinary drug trading"))),
    _Sector("Thủy sản", "fisheries", "การประมง", 11, "Luật Thủy sản",
            "Cục Thủy sản", "Chi cục Thủy sản", "Phòng Nông nghiệp và Phát triển nông thôn", (
                ("l", "khai thác thủy sản", "fishing"),
                ("r", "tàu cá", "fishing vessel"),
                ("l", "nuôi trồng thủy sản lồng bè", "cage aquaculture"),
                ("l", "sản xuất giống thủy sản", "aquatic breed production"))),
    _Sector("Lâm nghiệp", "forestry", "ป่าไม้", 11, "Luật Lâm nghiệp",
            "Cục Lâm nghiệp", "Chi cục Kiểm lâm", "Hạt Kiểm lâm", (
                ("r", "khai thác gỗ rừng trồng", "plantation timber harvesting"),
                ("d", "phương án chuyển loại rừng", "forest type change plan"),
                ("r", "trại nuôi động vật rừng thông thường", "wildlife farm"),
                ("r", "nguồn gốc lâm sản", "forest product origin"))),
    _Sector("Tài nguyên nước", "water resources", "ทรัพยากรน้ำ", 2, "Luật Tài nguyên nước",
            "Cục Quản lý tài nguyên nước", "Sở Tài nguyên và Môi trường", "Phòng Tài nguyên và Môi trường", (
                ("l", "khai thác nước dưới đất", "groundwater extraction"),
                ("l", "xả nước thải vào nguồn nước", "wastewater discharge"),
                ("l", "hành nghề khoan nước dưới đất", "groundwater drilling"),
                ("l", "khai thác, sử dụng nước mặt", "surface water use"))),
    _Sector("Khoáng sản", "minerals", "แร่", 2, "Luật Khoáng sản",
            "Cục Khoáng sản Việt Nam", "Sở Tài nguyên và Môi trường", "Phòng Tài nguyên và Môi trường", (
                ("l", "thăm dò khoáng sản", "mineral exploration"),
                ("l", "khai thác khoáng sản làm vật liệu xây dựng thông thường", "construction mineral mining"),
                ("d", "đề án đóng cửa mỏ khoáng sản", "mine closure plan"))),
    _Sector("Nhà ở", "housing", "ที่อยู่อาศัย", 8, "Luật Nhà ở",
            "Cục Quản lý nhà và thị trường bất động sản", "Sở Xây dựng", "Phòng Quản lý đô thị", (
                ("b", "mua, thuê mua nhà ở xã hội", "social housing purchase"),
                ("c", "chứng chỉ hành nghề môi giới bất động sản", "real estate broker certificate"),
                ("r", "sở hữu nhà ở của tổ chức, cá nhân nước ngoài", "foreign home ownership"),
                ("d", "dự án đầu tư xây dựng nhà ở thương mại", "commercial housing project"))),
    _Sector("Hải quan", "customs", "ศุลกากร", 3, "Luật Hải quan",
            "Tổng cục Hải quan", "Cục Hải quan tỉnh", "Chi cục Hải quan cửa khẩu", (
                ("r", "tờ khai hải quan hàng hóa xuất khẩu", "export customs declaration"),
                ("d", "kiểm tra chuyên ngành hàng hóa nhập khẩu", "specialised import inspection"),
                ("c", "doanh nghiệp ưu tiên", "priority enterprise status"),
                ("l", "hoạt động kho ngoại quan", "bonded warehouse operation"),
                ("c", "đại lý làm thủ tục hải quan", "customs broker recognition"))),
    _Sector("Điện", "electricity", "ไฟฟ้า", 10, "Luật Điện lực",
            "Cục Điều tiết điện lực", "Sở Công Thương", "Phòng Kinh tế", (
                ("l", "hoạt động điện lực trong lĩnh vực phát điện", "power generation licence"),
                ("l", "tư vấn chuyên ngành điện lực", "electricity consulting"),
                ("l", "bán lẻ điện tại nông thôn", "rural electricity retail"))),
    _Sector("Hóa chất", "chemicals", "วัตถุอันตราย", 10, "Luật Hóa chất",
            "Cục Hóa chất", "Sở Công Thương", "Phòng Kinh tế", (
                ("l", "sản xuất, kinh doanh hóa chất sản xuất, kinh doanh có điều kiện", "conditional chemical trading"),
                ("l", "sử dụng vật liệu nổ công nghiệp", "industrial explosives use"),
                ("r", "nhập khẩu tiền chất công nghiệp", "industrial precursor import"))),
    _Sector("Giáo dục nghề nghiệp", "vocational education", "อาชีวศึกษา", 6, "Luật Giáo dục nghề nghiệp",
            "Tổng cục Giáo dục nghề nghiệp", "Sở Lao động - Thương binh và Xã hội",
            "Phòng Lao động - Thương binh và Xã hội", (
                ("d", "thành lập trường trung cấp tư thục", "private vocational school establishment"),
                ("r", "hoạt động giáo dục nghề nghiệp", "vocational training activities"),
                ("c", "chứng chỉ kỹ năng nghề quốc gia", "national vocational skills certificate"))),
    _Sector("Hội, quỹ", "associations and funds", "สมาคมและมูลนิธิ", 15, "Luật về hội",
            "Vụ Tổ chức phi chính phủ", "Sở Nội vụ", "Phòng Nội vụ", (
                ("d", "thành lập hội", "association establishment"),
                ("c", "giấy phép thành lập quỹ xã hội, quỹ từ thiện", "social and charity fund licence"),
                ("d", "điều lệ hội", "association charter"),
                ("b", "đổi tên hội", "association renaming"))),
    _Sector("Lãnh sự", "consular affairs", "การกงสุล", 16, "Luật Cơ quan đại diện nước Cộng hòa xã hội chủ nghĩa Việt Nam ở nước ngoài",
            "Cục Lãnh sự", "Sở Ngoại vụ", "Phòng Nội vụ", (
                ("r", "chứng nhận lãnh sự giấy tờ, tài liệu", "consular certification of documents"),
                ("r", "hợp pháp hóa lãnh sự giấy tờ, tài liệu", "consular legalisation of documents"),
                ("c", "hộ chiếu công vụ", "official passport"))),
    _Sector("Nghĩa vụ quân sự", "military service", "การรับราชการทหาร", 17, "Luật Nghĩa vụ quân sự",
            "Cục Quân lực", "Bộ Chỉ huy quân sự tỉnh", "Ban Chỉ huy quân sự cấp huyện", (
                ("r", "nghĩa vụ quân sự lần đầu", "first military service registration"),
                ("b", "tạm hoãn gọi nhập ngũ", "conscription deferral"),
                ("b", "chế độ đối với quân nhân xuất ngũ", "benefits for discharged soldiers"))),
    _Sector("Hoạt động ngân hàng", "banking", "การธนาคาร", 18, "Luật Các tổ chức tín dụng",
            "Cơ quan Thanh tra, giám sát ngân hàng", "Ngân hàng Nhà nước chi nhánh tỉnh", "Ngân hàng Nhà nước chi nhánh tỉnh", (
                ("l", "thành lập quỹ tín dụng nhân dân", "people's credit fund establishment"),
                ("l", "hoạt động đại lý đổi ngoại tệ", "currency exchange agency"),
                ("l", "cung ứng dịch vụ trung gian thanh toán", "payment intermediary services"),
                ("r", "khoản vay nước ngoài", "foreign loan"))),
    _Sector("Công tác dân tộc", "ethnic affairs", "กิจการชาติพันธุ์", 19, "Nghị định về công tác dân tộc",
            "Vụ Chính sách dân tộc", "Ban Dân tộc tỉnh", "Phòng Dân tộc", (
                ("c", "người có uy tín trong đồng bào dân tộc thiểu số", "prestigious ethnic minority persons"),
                ("b", "hỗ trợ đồng bào dân tộc thiểu số", "ethnic minority support"),
                ("d", "danh sách thôn đặc biệt khó khăn", "list of disadvantaged villages"))),
    _Sector("Giải quyết khiếu nại, tố cáo", "complaints and denunciations", "การร้องเรียน", 20, "Luật Khiếu nại",
            "Cục Giải quyết khiếu nại, tố cáo và thanh tra khu vực", "Thanh tra tỉnh", "Thanh tra huyện", (
                ("b", "khiếu nại lần đầu", "first-instance complaint"),
                ("b", "khiếu nại lần hai", "second-instance complaint"),
                ("b", "tố cáo", "denunciation"),
                ("b", "tiếp công dân", "citizen reception"))),
    _Sector("Lý lịch tư pháp", "judicial records", "ประวัติอาชญากรรม", 0, "Luật Lý lịch tư pháp",
            "Trung tâm Lý lịch tư pháp quốc gia", "Sở Tư pháp", "Phòng Tư pháp", (
                ("c", "phiếu lý lịch tư pháp", "criminal record certificate"),
                ("c", "phiếu lý lịch tư pháp cho cơ quan tiến hành tố tụng", "criminal record for prosecuting bodies"))),
    _Sector("Quốc tịch", "nationality", "สัญชาติ", 0, "Luật Quốc tịch Việt Nam",
            "Cục Hộ tịch, quốc tịch, chứng thực", "Sở Tư pháp", "Phòng Tư pháp", (
                ("b", "nhập quốc tịch Việt Nam", "naturalisation"),
                ("b", "thôi quốc tịch Việt Nam", "renunciation of nationality"),
                ("b", "trở lại quốc tịch Việt Nam", "restoration of nationality"),
                ("c", "giấy xác nhận có quốc tịch Việt Nam", "nationality confirmation"))),
    _Sector("Phòng cháy, chữa cháy", "fire safety", "การป้องกันอัคคีภัย", 1, "Luật Phòng cháy và chữa cháy",
            "Cục Cảnh sát phòng cháy, chữa cháy và cứu nạn, cứu hộ", "Phòng Cảnh sát PCCC và CNCH", "Công an cấp huyện", (
                ("d", "thiết kế về phòng cháy và chữa cháy", "fire safety design"),
                ("d", "kết quả nghiệm thu về phòng cháy và chữa cháy", "fire safety acceptance"),
                ("d", "phương án chữa cháy của cơ sở", "facility firefighting plan"),
                ("l", "kinh doanh dịch vụ phòng cháy và chữa cháy", "fire protection services"))),
], s=0.7)
_SECTOR_BY_NAME = {s.vi: s for s in _SECTORS.items}


# ---------------------------------------------------------------------------
# Phrase banks: titles, subjects, steps
# ---------------------------------------------------------------------------

# (vietnamese pattern, english pattern, thai verb phrase for translations)
_TITLE_PATTERNS = {
    "l": _Bank((
        ("Cấp giấy phép {}", "Issuance of licence for {}", "การขอรับใบอนุญาต"),
        ("Cấp lại giấy phép {}", "Re-issuance of licence for {}", "การขอใบแทนใบอนุญาต"),
        ("Gia hạn giấy phép {}", "Extension of licence for {}", "การต่ออายุใบอนุญาต"),
        ("Điều chỉnh giấy phép {}", "Amendment of licence for {}", "การแก้ไขใบอนุญาต"),
        ("Cấp giấy chứng nhận đủ điều kiện {}", "Certificate of eligibility for {}", "การขอหนังสือรับรองคุณสมบัติ"),
        ("Thông báo {}", "Notification of {}", "การแจ้ง"),
        ("Thu hồi giấy phép {}", "Revocation of licence for {}", "การเพิกถอนใบอนุญาต"),
        ("Chấm dứt {}", "Termination of {}", "การยกเลิก"),
    )),
    "r": _Bank((
        ("Đăng ký {}", "Registration of {}", "การจดทะเบียน"),
        ("Đăng ký thay đổi {}", "Registration of changes in {}", "การจดทะเบียนเปลี่ยนแปลง"),
        ("Đăng ký lại {}", "Re-registration of {}", "การจดทะเบียนใหม่"),
        ("Xác nhận {}", "Confirmation of {}", "การขอหนังสือรับรอง"),
        ("Thông báo {}", "Notification of {}", "การแจ้ง"),
        ("Xóa đăng ký {}", "Deregistration of {}", "การเพิกถอนทะเบียน"),
    )),
    "c": _Bank((
        ("Cấp {}", "Issuance of {}", "การออก"),
        ("Cấp lại {}", "Re-issuance of {}", "การขอใบแทน"),
        ("Cấp đổi {}", "Replacement of {}", "การเปลี่ยน"),
        ("Gia hạn {}", "Extension of {}", "การต่ออายุ"),
        ("Công nhận {}", "Recognition of {}", "การรับรอง"),
        ("Điều chỉnh nội dung {}", "Amendment of {}", "การแก้ไข"),
        ("Thu hồi {}", "Revocation of {}", "การเพิกถอน"),
    )),
    "d": _Bank((
        ("Thẩm định {}", "Appraisal of {}", "การพิจารณาตรวจสอบ"),
        ("Phê duyệt {}", "Approval of {}", "การอนุมัติ"),
        ("Chấp thuận {}", "Approval in principle of {}", "การให้ความเห็นชอบ"),
        ("Điều chỉnh {}", "Adjustment of {}", "การปรับปรุง"),
        ("Kiểm tra {}", "Inspection of {}", "การตรวจสอบ"),
        ("Tiếp nhận {}", "Receipt of {}", "การรับเรื่อง"),
    )),
    "b": _Bank((
        ("Giải quyết {}", "Settlement of {}", "การพิจารณา"),
        ("Hưởng {}", "Entitlement to {}", "การขอรับสิทธิ"),
        ("Điều chỉnh {}", "Adjustment of {}", "การปรับปรุง"),
        ("Tạm dừng {}", "Suspension of {}", "การระงับ"),
        ("Chấm dứt {}", "Termination of {}", "การยกเลิก"),
    )),
}

_QUALIFIERS = _Bank((
    (" có yếu tố nước ngoài", " involving foreign elements"),
    (" đối với tổ chức", " for organizations"),
    (" đối với cá nhân", " for individuals"),
    (" trường hợp bị mất, hư hỏng", " in case of loss or damage"),
    (" lần đầu", " for the first time"),
    (" đối với doanh nghiệp có vốn đầu tư nước ngoài", " for foreign-invested enterprises"),
    (" cho hộ kinh doanh", " for household businesses"),
    (" trong khu công nghiệp, khu chế xuất", " in industrial and export processing zones"),
    (" thực hiện liên thông", " via interconnected processing"),
    (" do thay đổi địa chỉ trụ sở", " due to change of head office address"),
    (" thuộc thẩm quyền của Ủy ban nhân dân cấp tỉnh", " under provincial authority"),
    (" theo thủ tục rút gọn", " under the simplified procedure"),
    (" cho người Việt Nam định cư ở nước ngoài", " for overseas Vietnamese"),
    (" tại khu vực biên giới", " in border areas"),
    (" tại khu kinh tế", " in economic zones"),
    (" trên môi trường điện tử", " in the electronic environment"),
    (" đối với trường hợp đã được cấp trước ngày luật có hiệu lực", " for cases granted before the law took effect"),
))

_TYPES = _Bank((
    "TTHC được luật giao quy định chi tiết",
    "TTHC không được luật giao quy định chi tiết",
    "Thủ tục hành chính",
))

_SUBJECTS_EXT = _Bank((
    "Công dân Việt Nam", "Tổ chức", "Doanh nghiệp", "Cá nhân", "Hộ kinh doanh",
    "Người nước ngoài", "Hợp tác xã", "Người Việt Nam định cư ở nước ngoài",
    "Nhà đầu tư", "Đơn vị sự nghiệp công lập", "Tổ chức phi chính phủ", "Hộ gia đình",
))
_ORG_SUBJECTS = frozenset(("Doanh nghiệp", "Tổ chức", "Hợp tác xã", "Nhà đầu tư", "Hộ kinh doanh"))
_SUBJECTS_INT = _Bank((
    "Cơ quan nhà nước", "Ủy ban nhân dân cấp xã", "Ủy ban nhân dân cấp huyện",
    "Đơn vị sự nghiệp công lập", "Cán bộ, công chức, viên chức", "Cơ quan chuyên môn thuộc UBND cấp tỉnh",
))

_APPLICANTS_PERSON = _Bank((
    "Người yêu cầu", "Tổ chức, cá nhân", "Người đề nghị", "Công dân", "Người sử dụng đất",
    "Người lao động", "Người nộp thuế", "Chủ phương tiện",
))
_APPLICANTS_ORG = _Bank((
    "Tổ chức, cá nhân", "Doanh nghiệp", "Chủ đầu tư", "Nhà đầu tư", "Cơ sở kinh doanh",
    "Tổ chức đề nghị",
))
_APPLICANTS_INT = _Bank((
    "Cơ quan đề nghị", "Ủy ban nhân dân cấp xã", "Đơn vị sự nghiệp", "Phòng chuyên môn",
    "Cơ quan quản lý cán bộ",
))

_OFFICERS = _Bank((
    "Công chức Bộ phận Một cửa", "Bộ phận Một cửa", "Chuyên viên thụ lý", "Công chức tư pháp - hộ tịch",
    "Công chức địa chính", "Bộ phận tiếp nhận và trả kết quả",
))

_SITES = _Bank((
    "cơ sở", "địa điểm thực hiện dự án", "thửa đất", "công trình", "trụ sở", "nơi sản xuất, kinh doanh",
    "kho bãi", "khu vực khai thác", "phương tiện",
))

_COORDINATORS = _Bank((
    "Cơ quan thuế", "Công an cấp huyện", "Sở Tài chính", "Ủy ban nhân dân cấp xã", "Kho bạc Nhà nước",
    "Văn phòng đăng ký đất đai", "Cơ quan bảo hiểm xã hội", "Sở Xây dựng", "Ban Quản lý các khu công nghiệp",
))

# Stage-ordered step templates; each step is built from one stage so the
# sequence always reads as submit -> check -> process -> decide -> return.
_STEP_SUBMIT = _Bank((
    "{app} nộp hồ sơ tại {office}.",
    "{app} nộp hồ sơ trực tiếp hoặc qua dịch vụ bưu chính công ích.",
    "{app} nộp hồ sơ trực tuyến trên Cổng Dịch vụ công quốc gia.",
    "{app} điền tờ khai theo mẫu và gửi kèm giấy tờ chứng minh đến {office}.",
    "{app} kê khai trực tuyến, đính kèm bản điện tử giấy tờ và nộp phí (nếu có).",
))
_STEP_CHECK = _Bank((
    "{officer} kiểm tra hồ sơ; hồ sơ chưa đầy đủ thì hướng dẫn bổ sung trong {n} ngày làm việc.",
    "{officer} tiếp nhận hồ sơ, cấp giấy hẹn trả kết quả và chuyển {unit}.",
    "Hồ sơ không hợp lệ thì {officer_l} thông báo bằng văn bản, nêu rõ lý do.",
    "{officer} khai thác thông tin từ {db}, không yêu cầu nộp lại giấy tờ.",
))
_STEP_PROCESS = _Bank((
    "{unit} thẩm định hồ sơ, kiểm tra thực tế tại {site} khi cần thiết.",
    "{unit} lấy ý kiến {coord_l} trong thời hạn {n} ngày làm việc.",
    "{unit} đối chiếu thông tin với {db} và lập báo cáo thẩm định.",
    "Hội đồng thẩm định xem xét hồ sơ, lập biên bản và kiến nghị {authority_l}.",
    "{unit} niêm yết công khai tại trụ sở trong {n} ngày làm việc.",
    "Đoàn kiểm tra liên ngành đánh giá điều kiện thực tế của {site}.",
))
_STEP_DECIDE = _Bank((
    "Trong {n} ngày làm việc, {authority_l} xem xét, quyết định {title_l}.",
    "{authority} ký quyết định; trường hợp từ chối phải nêu rõ lý do.",
    "{authority} cấp kết quả và cập nhật vào {db}.",
))
_STEP_RETURN = _Bank((
    "{app} nhận kết quả tại Bộ phận Một cửa hoặc qua bưu chính.",
    "Cơ quan giải quyết trả kết quả cho {app_l} và cập nhật vào {db}.",
    "{app} nộp phí, lệ phí và nhận kết quả.",
    "{app} nhận bản điện tử kết quả, có giá trị như bản giấy.",
))

# (stage bank, probability the stage is spelled out, who performs it)
_STAGES = (
    (_STEP_SUBMIT, 0.8, "app"),
    (_STEP_CHECK, 0.25, "officer"),
    (_STEP_PROCESS, 0.45, "unit"),
    (_STEP_DECIDE, 0.3, "unit"),
    (_STEP_RETURN, 0.25, "app"),
)

_AUTHORITY = {
    "central": ("Bộ trưởng {ministry}", "Cục trưởng {central}"),
    "province": ("Chủ tịch Ủy ban nhân dân cấp tỉnh", "Giám đốc {province}", "Thủ trưởng {province}"),
    "district": ("Chủ tịch Ủy ban nhân dân cấp huyện", "Trưởng {district}"),
    "commune": ("Chủ tịch Ủy ban nhân dân cấp xã",),
}

_SUMMARY_LEAD = _Bank((
    "Thủ tục {title_l} thuộc lĩnh vực {sector_l}, áp dụng đối với {subj_l}.",
    "{title} do {impl} tiếp nhận và giải quyết.",
    "Trình tự, hồ sơ và thời hạn {title_l} tại {place}.",
    "{title} theo quy định của {law}.",
))
_SUMMARY_MORE = _Bank((
    "Hồ sơ được nộp trực tiếp, qua dịch vụ bưu chính công ích hoặc trực tuyến trên Cổng Dịch vụ công quốc gia.",
    "Thời hạn giải quyết là {n} ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ.",
    "Kết quả được cập nhật vào {db} để phục vụ việc tra cứu, khai thác.",
    "Cơ quan giải quyết không yêu cầu nộp thêm giấy tờ đã có trong {db}.",
    "Thủ tục được thực hiện theo cơ chế một cửa liên thông giữa {impl} và {coord_l}.",
    "Mức phí, lệ phí thực hiện theo quy định của Bộ Tài chính và Hội đồng nhân dân cấp tỉnh.",
    "Trường hợp hồ sơ không đáp ứng điều kiện, cơ quan giải quyết trả lời bằng văn bản và nêu rõ lý do.",
    "Người nộp hồ sơ có thể theo dõi tình trạng giải quyết bằng mã hồ sơ được cấp khi tiếp nhận.",
))
_SUMMARY_EN = _Bank((
    " Applications may be submitted in person, by post or online via the National Public Service Portal.",
    " The processing time is {n} working days from receipt of a complete and valid dossier.",
    " Results are recorded in the national database for later lookup.",
    " Documents already held in national databases are not requested again.",
    " Fees follow the schedules issued by the Ministry of Finance and the provincial People's Council.",
))

_REQUIREMENTS = _Bank((
    "Có đủ năng lực hành vi dân sự theo quy định của pháp luật.",
    "Cơ sở có địa điểm, diện tích, trang thiết bị phù hợp với quy mô hoạt động.",
    "Người đứng đầu có trình độ chuyên môn phù hợp và chứng chỉ hành nghề còn hiệu lực.",
    "Không thuộc trường hợp đang bị truy cứu trách nhiệm hình sự hoặc đang chấp hành án.",
    "Đã hoàn thành nghĩa vụ tài chính với Nhà nước.",
    "Có phương án bảo đảm an toàn phòng cháy, chữa cháy và vệ sinh môi trường.",
    "Có ít nhất {n} nhân viên có trình độ đại học trở lên thuộc chuyên ngành phù hợp.",
    "Ký quỹ {money} đồng tại ngân hàng thương mại hoạt động tại Việt Nam.",
    "Phù hợp với quy hoạch đã được cấp có thẩm quyền phê duyệt.",
    "Có chỗ ở hợp pháp tại địa phương.",
    "Đủ 18 tuổi trở lên và có sức khỏe phù hợp với công việc.",
    "Giấy phép đã được cấp còn thời hạn ít nhất {n} ngày.",
    "Có hợp đồng thuê địa điểm với thời hạn tối thiểu {n} tháng.",
    "Hệ thống quản lý chất lượng đáp ứng tiêu chuẩn quốc gia tương ứng.",
))


# ---------------------------------------------------------------------------
# Phrase banks: dossier documents, form fields, fees, legal basis
# ---------------------------------------------------------------------------

_FORM_HEADS = _Bank(("Tờ khai", "Đơn đề nghị", "Văn bản đề nghị", "Tờ trình", "Phiếu đề nghị"))
_FORM_CODES = _Bank(("Mẫu số 01", "Mẫu số 02", "Mẫu số 03", "Mẫu số 04", "Mẫu số 05", "Mẫu số 06",
                     "CT01", "TK1-TS", "Mẫu số 01/ĐK", "Mẫu số 09/ĐK", "Mẫu số 10", "Mẫu 01/TB"), s=0.8)
_CERTIFIED = _Bank((
    "Giấy chứng nhận đăng ký doanh nghiệp", "quyết định thành lập", "văn bằng chuyên môn",
    "chứng chỉ hành nghề", "Giấy chứng nhận quyền sử dụng đất", "hộ chiếu còn giá trị sử dụng",
    "giấy phép đã được cấp", "hợp đồng thuê địa điểm", "Giấy chứng nhận đăng ký đầu tư",
    "giấy chứng nhận kết hôn", "giấy khai sinh", "hợp đồng lao động", "bằng tốt nghiệp đại học",
    "điều lệ tổ chức", "giấy chứng nhận thẩm duyệt thiết kế", "biên bản nghiệm thu",
))
_OTHER_DOCS = _Bank((
    "Văn bản ủy quyền (trường hợp nộp thay)",
    "Ảnh chân dung cỡ 4 x 6 cm chụp không quá 6 tháng",
    "Phiếu lý lịch tư pháp số 1",
    "Giấy chứng nhận sức khỏe do cơ sở khám bệnh, chữa bệnh có thẩm quyền cấp",
    "Biên lai nộp phí, lệ phí",
    "Bản chính giấy phép đã được cấp (trường hợp cấp lại)",
    "Bản kê khai nhân sự và trang thiết bị",
))
_DOC_KINDS = _Bank((
    ("Bản thuyết minh ", ("điều kiện cơ sở vật chất", "quy trình sản xuất", "phương án kinh doanh",
                          "dự án đầu tư", "biện pháp bảo vệ môi trường", "trang thiết bị", "giải pháp kỹ thuật")),
    ("Danh sách ", ("nhân sự chủ chốt", "thành viên góp vốn", "người lao động", "trang thiết bị y tế",
                    "phương tiện vận tải", "người tham gia")),
    ("Sơ đồ vị trí ", ("khu đất", "cơ sở", "công trình", "mặt bằng sản xuất", "kho chứa")),
    ("Giấy xác nhận ", ("của Ủy ban nhân dân cấp xã nơi cư trú", "tình trạng hôn nhân", "ký quỹ",
                        "thời gian công tác", "thu nhập")),
    ("Báo cáo ", ("tình hình hoạt động năm trước", "kết quả tự kiểm tra", "tài chính đã được kiểm toán",
                  "kết quả quan trắc môi trường", "đánh giá an toàn")),
    ("Bản cam kết ", ("bảo vệ môi trường", "bảo đảm an toàn thực phẩm", "thực hiện đúng quy định",
                      "không vi phạm pháp luật")),
    ("Hợp đồng ", ("thuê nhà", "thuê đất", "chuyển nhượng", "hợp tác kinh doanh", "mua bán")),
    ("Quyết định ", ("bổ nhiệm người đứng đầu", "phê duyệt dự án", "giao nhiệm vụ", "cử cán bộ")),
))
_CASES = _Bank(("Trường hợp cá nhân", "Trường hợp tổ chức", "Trường hợp cấp lại",
                "Trường hợp ủy quyền", "Trường hợp có yếu tố nước ngoài", "Trường hợp điều chỉnh"))

# (label, national database that already holds the value, optional?)
_FIELDS_PERSON = (
    ("Họ, chữ đệm và tên", _DB_POP, False), ("Ngày, tháng, năm sinh", _DB_POP, False),
    ("Số định danh cá nhân", _DB_POP, False), ("Giới tính", _DB_POP, False),
    ("Nơi cư trú", _DB_RES, False), ("Quốc tịch", _DB_POP, False), ("Dân tộc", _DB_POP, False),
    ("Quê quán", _DB_POP, False), ("Nơi sinh", _DB_POP, False),
    ("Số điện thoại liên hệ", None, True), ("Email", None, True),
    ("Nghề nghiệp", None, True), ("Trình độ chuyên môn", None, False),
    ("Số hộ chiếu", _DB_IMM, True), ("Mã số bảo hiểm xã hội", _DB_INS, True),
)
_FIELDS_BIZ = _Bank((
    ("Tên doanh nghiệp", _DB_BIZ, False), ("Mã số doanh nghiệp", _DB_BIZ, False),
    ("Địa chỉ trụ sở chính", _DB_BIZ, False), ("Người đại diện theo pháp luật", _DB_BIZ, False),
    ("Mã số thuế", _DB_TAX, False), ("Vốn điều lệ", _DB_BIZ, False),
    ("Ngành, nghề kinh doanh", _DB_BIZ, False), ("Số Giấy chứng nhận đăng ký đầu tư", _DB_INV, True),
))
_FIELDS_LAND = _Bank((
    ("Số thửa, số tờ bản đồ", _DB_LAND, False), ("Diện tích thửa đất", _DB_LAND, False),
    ("Mục đích sử dụng đất", _DB_LAND, False), ("Số phát hành Giấy chứng nhận", _DB_LAND, True),
))
_FIELDS_GENERIC = _Bank((
    ("Nội dung đề nghị", None, False), ("Lý do đề nghị", None, False), ("Địa điểm thực hiện", None, False),
    ("Quy mô, công suất", None, True), ("Thời hạn đề nghị", None, True),
    ("Cam kết của người đề nghị", None, False), ("Ngày, tháng, năm làm đơn", None, False),
    ("Số tài khoản ngân hàng", None, True), ("Giấy tờ kèm theo", None, True),
))

_FEE_NAMES = _Bank(("Lệ phí", "Phí thẩm định", "Lệ phí cấp giấy phép", "Phí thẩm định hồ sơ",
                    "Lệ phí đăng ký", "Phí cung cấp thông tin"))
_FEE_AMOUNTS = _Bank((0, 50000, 100000, 200000, 20000, 500000, 1000000, 10000, 30000, 15000,
                      1500000, 2000000, 300000, 3000000, 5000000, 700000, 12000000), s=0.9)
_FEE_UNITS = _Bank(("đồng/hồ sơ", "đồng/lần", "đồng/giấy phép", "đồng/bản", "đồng/hồ sơ/lần thẩm định"))
_DURATIONS = _Bank((5, 10, 3, 15, 7, 1, 20, 30, 2, 45, 60, 90, 12, 25), s=0.8)

# Tuples so records never share a mutable list with the bank (callers may mutate).
_LEVEL_CHOICES_MINISTRY = _Bank((
    ("central",), ("province",), ("commune",), ("district",), ("central", "province"),
    ("province", "district"), ("district", "commune"), ("province", "district", "commune"),
))
_LEVEL_CHOICES_LOCAL = _Bank((
    ("province",), ("district",), ("commune",), ("province", "district"), ("district", "commune"),
    ("province", "district", "commune"),
))


# ---------------------------------------------------------------------------
# Thai banks (source text for lang == "th")
# ---------------------------------------------------------------------------

# (thai, vietnamese, english, sector key) -- Thai has no spaces between words
# inside a phrase, so tokenizers that split on whitespace see long runs.
_TH_OBJECTS = _Bank((
    ("ประกอบกิจการโรงงาน", "hoạt động nhà máy", "factory operation", "Hóa chất"),
    ("ประกอบธุรกิจนำเที่ยว", "kinh doanh lữ hành", "tour business", "Du lịch"),
    ("ขายยาแผนปัจจุบัน", "bán thuốc tân dược", "modern medicine retail", "Dược phẩm"),
    ("สถานประกอบการเพื่อสุขภาพ", "cơ sở chăm sóc sức khỏe", "health establishment", "Y tế"),
    ("ก่อสร้างอาคาร", "xây dựng công trình", "building construction", "Xây dựng"),
    ("ขุดดินและถมดิน", "đào và san lấp đất", "excavation and land filling", "Đất đai"),
    ("สถานที่จำหน่ายอาหาร", "cơ sở kinh doanh thực phẩm", "food selling premises", "An toàn thực phẩm"),
    ("การเกิด", "khai sinh", "birth", "Hộ tịch"),
    ("สมรส", "kết hôn", "marriage", "Hộ tịch"),
    ("การย้ายที่อยู่", "chuyển nơi cư trú", "change of address", "Đăng ký, quản lý cư trú"),
    ("พาณิชย์", "kinh doanh thương mại", "commercial registration", "Thành lập và hoạt động doanh nghiệp"),
    ("บริษัทจำกัด", "công ty trách nhiệm hữu hạn", "limited company", "Thành lập và hoạt động doanh nghiệp"),
    ("ห้างหุ้นส่วนจำกัด", "công ty hợp danh hữu hạn", "limited partnership", "Thành lập và hoạt động doanh nghiệp"),
    ("ใช้น้ำบาดาล", "sử dụng nước dưới đất", "groundwater use", "Tài nguyên nước"),
    ("โฆษณาโดยใช้เครื่องขยายเสียง", "quảng cáo bằng loa phóng thanh", "loudspeaker advertising", "Văn hóa"),
    ("นำเข้าเครื่องมือแพทย์", "nhập khẩu thiết bị y tế", "medical device import", "Y tế"),
    ("ผลิตอาหาร", "sản xuất thực phẩm", "food production", "An toàn thực phẩm"),
    ("สถานศึกษาเอกชน", "cơ sở giáo dục tư thục", "private school", "Giáo dục và Đào tạo"),
    ("ขนส่งผู้โดยสาร", "vận tải hành khách", "passenger transport", "Đường bộ"),
    ("เลี้ยงสัตว์", "chăn nuôi", "livestock farming", "Chăn nuôi và thú y"),
    ("ค้าของเก่า", "kinh doanh đồ cũ", "second-hand goods trade", "Lưu thông hàng hóa trong nước"),
    ("สมาคม", "hội", "association", "Hội, quỹ"),
    ("มูลนิธิ", "quỹ xã hội", "foundation", "Hội, quỹ"),
    ("ใบขับขี่", "giấy phép lái xe", "driving licence", "Đường bộ"),
    ("บัตรประจำตัวประชาชน", "thẻ căn cước", "national identity card", "Đăng ký, quản lý cư trú"),
    ("หนังสือเดินทาง", "hộ chiếu", "passport", "Xuất nhập cảnh"),
    ("สิทธิในที่ดิน", "quyền sử dụng đất", "land rights", "Đất đai"),
    ("โรงแรม", "kinh doanh khách sạn", "hotel business", "Du lịch"),
    ("ติดตั้งป้ายโฆษณา", "lắp đặt biển quảng cáo", "signboard installation", "Văn hóa"),
    ("การทำงานของคนต่างด้าว", "lao động người nước ngoài", "foreign worker employment", "Việc làm"),
    ("ประมงพาณิชย์", "khai thác thủy sản", "commercial fishing", "Thủy sản"),
    ("จำหน่ายสุรา", "bán lẻ rượu", "liquor retail", "Lưu thông hàng hóa trong nước"),
    ("จำหน่ายยาสูบ", "bán lẻ thuốc lá", "tobacco retail", "Lưu thông hàng hóa trong nước"),
    ("สถานพยาบาล", "cơ sở khám bệnh, chữa bệnh", "medical clinic", "Y tế"),
    ("วัตถุอันตราย", "hóa chất nguy hiểm", "hazardous substances", "Hóa chất"),
    ("เครื่องหมายการค้า", "nhãn hiệu", "trademark", "Sở hữu trí tuệ"),
    ("สิทธิบัตรการประดิษฐ์", "bằng độc quyền sáng chế", "invention patent", "Sở hữu trí tuệ"),
    ("ภาษีมูลค่าเพิ่ม", "thuế giá trị gia tăng", "value added tax", "Thuế"),
), s=0.8)
_TH_PATTERNS = _Bank((
    ("การขอรับใบอนุญาต{}", "Cấp giấy phép {}", "Licence for {}"),
    ("การจดทะเบียน{}", "Đăng ký {}", "Registration of {}"),
    ("การต่ออายุใบอนุญาต{}", "Gia hạn giấy phép {}", "Renewal of licence for {}"),
    ("การแจ้งเปลี่ยนแปลงรายการ{}", "Thay đổi thông tin {}", "Amendment of {} details"),
    ("การขอยกเลิก{}", "Chấm dứt {}", "Cancellation of {}"),
    ("การตรวจประเมิน{}", "Thẩm định {}", "Assessment of {}"),
    ("การขอใบแทนใบอนุญาต{}", "Cấp lại giấy phép {}", "Replacement licence for {}"),
    ("การรับรอง{}", "Chứng nhận {}", "Certification of {}"),
))
_TH_AGENCIES = _Bank((
    "กระทรวงมหาดไทย", "กระทรวงสาธารณสุข", "กระทรวงพาณิชย์", "กระทรวงอุตสาหกรรม", "กรุงเทพมหานคร",
    "กระทรวงการคลัง", "กระทรวงแรงงาน", "กระทรวงคมนาคม", "กระทรวงเกษตรและสหกรณ์",
    "กระทรวงทรัพยากรธรรมชาติและสิ่งแวดล้อม", "กระทรวงการท่องเที่ยวและกีฬา", "กระทรวงศึกษาธิการ",
    "จังหวัดเชียงใหม่", "จังหวัดขอนแก่น", "จังหวัดภูเก็ต", "จังหวัดสงขลา", "จังหวัดนครราชสีมา", "จังหวัดชลบุรี",
))
_TH_OFFICES = _Bank((
    "สำนักงานเขต", "ที่ว่าการอำเภอ", "สำนักงานเทศบาล", "องค์การบริหารส่วนตำบล", "ศูนย์บริการร่วม",
    "สำนักงานสาธารณสุขจังหวัด", "สำนักงานพัฒนาธุรกิจการค้าจังหวัด", "สำนักงานที่ดินจังหวัด",
    "สำนักงานอุตสาหกรรมจังหวัด",
))
_TH_STEPS = (
    _Bank(("ผู้ขอยื่นคำขอพร้อมเอกสารหลักฐานต่อ{office}", "ยื่นคำขอ{title} ณ {office}",
           "ยื่นคำขอรับใบอนุญาตประกอบกิจการผ่านระบบออนไลน์")),
    _Bank(("เจ้าหน้าที่ตรวจสอบความครบถ้วนถูกต้องของคำขอและเอกสารหลักฐาน",
           "กรณีเอกสารไม่ครบถ้วนเจ้าหน้าที่จะบันทึกความบกพร่องและแจ้งให้ผู้ยื่นคำขอแก้ไขภายใน {n} วัน")),
    _Bank(("เจ้าหน้าที่ออกตรวจสถานที่ประกอบการ", "คณะกรรมการพิจารณาความเห็นประกอบการอนุญาต",
           "พนักงานเจ้าหน้าที่พิจารณาออกใบอนุญาตภายใน {n} วันทำการ")),
    _Bank(("ผู้อนุญาตลงนามในใบอนุญาตและแจ้งผลการพิจารณาให้ผู้ยื่นคำขอทราบเป็นหนังสือ",
           "ผู้ยื่นคำขอชำระค่าธรรมเนียมและรับใบอนุญาต",
           "บันทึกข้อมูลลงในระบบฐานข้อมูลและส่งมอบเอกสารให้ผู้ยื่นคำขอ")),
)
_TH_DOCS = _Bank((
    "สำเนาบัตรประจำตัวประชาชน", "สำเนาทะเบียนบ้าน", "หนังสือมอบอำนาจ (กรณีมอบอำนาจ)",
    "แผนที่แสดงที่ตั้งสถานประกอบการ", "หนังสือรับรองการจดทะเบียนนิติบุคคล", "ใบรับรองแพทย์",
    "รูปถ่ายขนาด 1 นิ้ว จำนวน 2 รูป", "สำเนาโฉนดที่ดิน", "หนังสือยินยอมให้ใช้สถานที่",
    "แบบแปลนอาคาร", "สำเนาใบอนุญาตเดิม",
))
_TH_DB_POP = "ฐานข้อมูลทะเบียนราษฎร"
_TH_DB_BIZ = "ฐานข้อมูลนิติบุคคลกรมพัฒนาธุรกิจการค้า"
_TH_FIELDS = (
    ("ชื่อ-นามสกุล", _TH_DB_POP), ("เลขประจำตัวประชาชน", _TH_DB_POP), ("วันเดือนปีเกิด", _TH_DB_POP),
    ("ที่อยู่ตามทะเบียนบ้าน", _TH_DB_POP), ("สัญชาติ", _TH_DB_POP), ("หมายเลขโทรศัพท์", None),
    ("อีเมล", None), ("ชื่อสถานประกอบการ", None), ("เลขทะเบียนนิติบุคคล", _TH_DB_BIZ),
    ("ที่ตั้งสถานประกอบการ", None), ("ประเภทกิจการ", None), ("จำนวนคนงาน", None),
    ("วัตถุประสงค์ของการขอ", None),
)
_TH_REQUIREMENTS = _Bank((
    "ผู้ขออนุญาตต้องมีอายุไม่ต่ำกว่ายี่สิบปีบริบูรณ์", "สถานประกอบการต้องถูกสุขลักษณะและปลอดภัย",
    "ไม่เป็นบุคคลล้มละลาย", "มีผู้ควบคุมกิจการที่มีคุณสมบัติตามที่กฎหมายกำหนด",
    "สถานที่ตั้งต้องไม่ขัดต่อกฎหมายผังเมือง",
))
_TH_SUBJECTS = _Bank(("บุคคลธรรมดา", "นิติบุคคล", "ผู้ประกอบการ", "คนต่างด้าว", "หน่วยงานของรัฐ"))


# ---------------------------------------------------------------------------
# Record builders
# ---------------------------------------------------------------------------

def _code(index: int) -> str:
    major, minor = divmod(index, 1_000_000)
    return f"{5 + 10 * major}.{minor:06d}"


def _duration(rng: random.Random, n: int, text: str | None = None) -> dict:
    r = rng.random()
    if r < 0.82:
        d = {"value": n, "unit": "working_days"}
    elif r < 0.92:
        d = {"value": n, "unit": "days"}
    elif r < 0.97:
        d = {"value": _ch(rng, (1, 2, 3, 6)), "unit": "months"}
    else:
        d = {"value": _ch(rng, (4, 8, 24, 48)), "unit": "hours"}
    if text:
        d["text"] = text
    return d


_LAND_SECTORS = frozenset(("Đất đai", "Xây dựng", "Nhà ở", "Khoáng sản"))


def _fields(rng: random.Random, prefix: str, sector: _Sector, business: bool) -> list[dict]:
    chosen: list[tuple] = []
    # Personal fields follow the real form order (name first), truncated.
    chosen.extend(_FIELDS_PERSON[: _ri(rng, 1, 3)])
    if rng.random() < 0.2:
        chosen.append(_ch(rng, _FIELDS_PERSON[4:]))
    if business:
        chosen.append(_FIELDS_BIZ.pick(rng))
    if sector.vi in _LAND_SECTORS:
        chosen.extend(_FIELDS_LAND.sample(rng, _ri(rng, 1, 2)))
    if rng.random() < 0.4:
        chosen.append(_FIELDS_GENERIC.pick(rng))
    out = []
    seen = set()
    for label, db, optional in chosen:
        if label in seen:
            continue
        seen.add(label)
        f = {"id": f"{prefix}.f{len(out) + 1}", "label": label}
        if optional:
            f["required"] = False
        elif rng.random() < 0.15:
            f["required"] = True
        # Leaving source_db off some fields that could have one mimics real
        # forms where reviewers should flag data the state already holds.
        if db and rng.random() < 0.65:
            f["source_db"] = db
        out.append(f)
    return out


def _dossier(rng: random.Random, sector: _Sector, title_l: str, external: bool, business: bool) -> list[dict]:
    docs: list[dict] = []

    def add(name: str, originals: int, copies: int, required: bool = True) -> dict:
        d = {"id": f"d{len(docs) + 1}", "name": name}
        if rng.random() < 0.4:
            d["originals"], d["copies"] = originals, copies
        if not required:
            d["required"] = False
        if rng.random() < 0.1:
            d["case"] = _CASES.pick(rng)
        docs.append(d)
        return d

    form_code = _FORM_CODES.pick(rng)
    # Real catalogs name forms either after the procedure or by template code.
    form = add(f"{_FORM_HEADS.pick(rng)} {title_l}" if rng.random() < 0.6
               else f"{_FORM_HEADS.pick(rng)} theo {form_code}", 1, 0)
    if rng.random() < 0.3:
        form["form"] = form_code
    if rng.random() < 0.7:
        form["fields"] = _fields(rng, form["id"], sector, business)

    for _ in range(_ch(rng, (0, 0, 1, 1, 1))):
        r = rng.random()
        if r < 0.35:
            add("Bản sao có chứng thực " + _CERTIFIED.pick(rng), 0, 1)
        elif r < 0.75:
            head, tails = _DOC_KINDS.pick(rng)
            add(head + _ch(rng, tails), _ri(rng, 0, 2), _ri(rng, 0, 1))
        else:
            add(_OTHER_DOCS.pick(rng), _ri(rng, 0, 1), _ri(rng, 0, 1), required=rng.random() < 0.6)
    # Outdated household-book requirement appears in a minority of records,
    # as in the real catalog before the 2023 residence reform.
    if external and rng.random() < 0.08:
        add("Bản sao sổ hộ khẩu", 0, 1)
    return docs


def _legal_basis(rng: random.Random, sector: _Sector, ministry: tuple, place: str | None,
                 title_l: str) -> list[dict]:
    out = []
    y_law = _ri(rng, 2008, 2023)
    legislature = 12 if y_law < 2011 else 13 if y_law < 2016 else 14 if y_law < 2021 else 15
    if sector.law.startswith(("Luật", "Pháp lệnh")):
        law = {"number": f"{_ri(rng, 1, 80)}/{y_law}/QH{legislature}", "summary": sector.law,
               "issuer": "Quốc hội" if sector.law.startswith("Luật") else "Ủy ban Thường vụ Quốc hội"}
        if rng.random() < 0.15:
            law["summary"] = "Sửa đổi, bổ sung một số điều của " + sector.law
        if rng.random() < 0.5:
            law["date"] = _date(rng, y_law, y_law)
        out.append(law)
        if rng.random() < 0.65:
            return out
    y_dec = min(2024, y_law + _ri(rng, 0, 3))
    dec = {"number": f"{_ri(rng, 1, 199)}/{y_dec}/NĐ-CP", "issuer": "Chính phủ", "summary": sector.law}
    if out:
        dec["summary"] = _ch(rng, ("Quy định chi tiết một số điều và biện pháp thi hành ",
                                   "Quy định chi tiết thi hành ", "Hướng dẫn thi hành ")) + sector.law
    if rng.random() < 0.3:
        dec["date"] = _date(rng, y_dec, y_dec)
    out.append(dec)
    if rng.random() < 0.3:
        y_tt = min(2024, y_dec + _ri(rng, 0, 3))
        out.append({"number": f"{_ri(rng, 1, 60):02d}/{y_tt}/TT-{ministry[1]}", "issuer": ministry[0],
                    "summary": _ch(rng, ("Hướng dẫn ", "Quy định biểu mẫu ", "Quy định chi tiết ")) + title_l})
    elif rng.random() < 0.2:
        y_fee = _ri(rng, 2016, 2024)
        out.append({"number": f"{_ri(rng, 1, 120)}/{y_fee}/TT-BTC", "issuer": "Bộ Tài chính",
                    "summary": "Quy định mức thu, chế độ thu, nộp, quản lý và sử dụng phí, lệ phí trong lĩnh vực "
                               + _low(sector.vi)})
    elif place and rng.random() < 0.2:
        y_nq = _ri(rng, 2017, 2024)
        out.append({"number": f"{_ri(rng, 1, 40):02d}/{y_nq}/NQ-HĐND", "issuer": f"Hội đồng nhân dân {place}",
                    "summary": "Quy định mức thu lệ phí trên địa bàn " + place})
    elif rng.random() < 0.1:
        y_qd = _ri(rng, 2015, 2024)
        out.append({"number": f"{_ri(rng, 1, 45):02d}/{y_qd}/QĐ-TTg", "issuer": "Thủ tướng Chính phủ"})
    return out


def _fees(rng: random.Random, sector: _Sector, external: bool) -> list[dict]:
    if not external and rng.random() < 0.8:
        return []
    fees = []
    for _ in range(_ch(rng, (0, 1, 1, 1, 1, 2))):
        amount = _FEE_AMOUNTS.pick(rng)
        name = _FEE_NAMES.pick(rng)
        if rng.random() < 0.3:
            name += " " + _low(sector.vi)
        fee = {"id": f"fee{len(fees) + 1}", "name": name}
        if amount == 0:
            fee["amount_vnd"] = 0
            fee["text"] = _ch(rng, ("Miễn phí", "Không thu phí, lệ phí", "Miễn lệ phí đối với hộ nghèo, người cao tuổi"))
        elif rng.random() < 0.08:
            # Locally set fees have no single national amount.
            fee["text"] = "Theo mức thu do Hội đồng nhân dân cấp tỉnh quy định"
        else:
            fee["amount_vnd"] = amount
            fee["text"] = f"{_vnd(amount)} {_FEE_UNITS.pick(rng)}"
            if rng.random() < 0.1:
                fee["text"] += f"; nộp trực tuyến giảm 50% ({_vnd(amount // 2)} đồng)"
        fees.append(fee)
    return fees


def _cost(rng: random.Random) -> dict | None:
    if rng.random() < 0.2:
        return None
    cost = {
        "hours_per_case": _ch(rng, (0.5, 1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 40)),
        "other_costs_vnd": _ch(rng, (0, 10000, 20000, 30000, 50000, 100000, 200000, 500000, 1000000)),
        # Log-uniform so a few procedures dominate total caseload, like reality.
        "cases_per_year": int(10 ** rng.uniform(1, 6.3)),
    }
    if rng.random() < 0.15:
        # Incomplete inputs are deliberate: the cost view must handle gaps.
        del cost[_ch(rng, ("hours_per_case", "other_costs_vnd", "cases_per_year"))]
    return cost


def _status_dates(rng: random.Random, rec: dict, abbr: str | None) -> None:
    r = rng.random()
    status = "published" if r < 0.94 else "draft" if r < 0.97 else "abolished"
    # Some published rows omit "status" to exercise the schema default.
    if status != "published" or rng.random() < 0.9:
        rec["status"] = status
    if status == "draft":
        return
    d = _date(rng, 2016, 2024)
    # Only Vietnamese records carry a "số/QĐ-..." publication decision.
    if abbr and rng.random() < 0.65:
        rec["decision"] = {"number": f"{_ri(rng, 100, 4999)}/QĐ-{abbr}", "date": d}
    rec["published_at"] = d


def _vi_record(rng: random.Random, code: str) -> dict:
    sector: _Sector = _SECTORS.pick(rng)
    cls, obj_vi, obj_en = sector.objects.pick(rng)
    pat_vi, pat_en, pat_th = _TITLE_PATTERNS[cls].pick(rng)
    qual_vi = qual_en = ""
    if rng.random() < 0.3:
        qual_vi, qual_en = _QUALIFIERS.pick(rng)
    title = pat_vi.format(obj_vi) + qual_vi
    title_en = pat_en.format(obj_en) + qual_en
    title_l = _low(title)
    external = rng.random() >= 0.2
    ministry = _MINISTRIES[sector.ministry]

    if rng.random() < 0.45:
        agency, place = ministry[0], None
        levels = list(_LEVEL_CHOICES_MINISTRY.pick(rng))
        abbr = ministry[1]
    else:
        agency, place = _LOCALITIES.pick(rng)
        levels = list(_LEVEL_CHOICES_LOCAL.pick(rng))
        abbr = "UBND"
    top = levels[0]
    impl = {
        "central": sector.central,
        "province": sector.province,
        "district": sector.district if rng.random() < 0.6 else "Ủy ban nhân dân cấp huyện",
        "commune": "Công an cấp xã" if sector.ministry == 1 else "Ủy ban nhân dân cấp xã",
    }[levels[-1] if rng.random() < 0.5 else top]
    authority = _ch(rng, _AUTHORITY[top]).format(
        ministry=ministry[0], central=sector.central, province=sector.province, district=sector.district)
    subjects = (_SUBJECTS_EXT if external else _SUBJECTS_INT).sample(rng, _ch(rng, (1, 1, 1, 2)))
    business = cls == "l" or any(x in _ORG_SUBJECTS for x in subjects)
    app = (_APPLICANTS_INT if not external else _APPLICANTS_ORG if business else _APPLICANTS_PERSON).pick(rng)
    coord = _COORDINATORS.pick(rng)
    n_days = _DURATIONS.pick(rng)
    ctx = {
        "app": app, "app_l": _low(app),
        "office": ("Bộ phận Một cửa của " + impl) if rng.random() < 0.6
        else f"Trung tâm Phục vụ hành chính công {place or 'cấp tỉnh'}",
        "officer": "", "officer_l": "", "unit": impl, "site": _SITES.pick(rng), "db": "",
        "coord_l": _low(coord), "authority": authority, "authority_l": _low(authority),
        "title": title, "title_l": title_l, "n": n_days, "sector_l": _low(sector.vi),
        "subj_l": _low(subjects[0]), "impl": impl, "place": place or "cả nước", "law": sector.law,
        "money": _vnd(_ch(rng, (100, 250, 500, 1000, 2000)) * 1_000_000),
    }

    rec: dict = {"code": code, "title": title, "lang": "vi",
                 "kind": "external" if external else "internal"}
    if rng.random() < 0.5:
        rec["type"] = _TYPES.pick(rng) if external else "Thủ tục hành chính nội bộ"
    rec["level"] = levels
    rec["sector"] = sector.vi
    rec["agency"] = agency
    _status_dates(rng, rec, abbr)
    if rng.random() < 0.2:
        rec["source_url"] = f"https://thutuc.example.vn/tthc/{code}"

    ctx["db"] = _DATABASES.pick(rng)
    summary = _SUMMARY_LEAD.pick(rng).format(**ctx)
    if rng.random() < 0.2:
        summary += " " + _SUMMARY_MORE.pick(rng).format(**ctx)
    rec["summary"] = summary
    rec["subjects"] = subjects
    rec["implementing_agency"] = impl
    if rng.random() < 0.35:
        rec["competent_authority"] = authority
    if rng.random() < 0.2:
        rec["coordinating_agency"] = coord
    if external:
        r = rng.random()
        online = "none" if r < 0.25 else "partial" if r < 0.6 else "full"
    else:
        online = "none" if rng.random() < 0.7 else "partial"
    rec["online_level"] = online

    steps = []
    for bank, prob, actor in _STAGES:
        if rng.random() >= prob:
            continue
        officer = _OFFICERS.pick(rng)
        ctx["officer"], ctx["officer_l"] = officer, _low(officer)
        ctx["db"] = _DATABASES.pick(rng)
        ctx["n"] = _ch(rng, (1, 2, 3, 5, 7, 10))
        step = {"id": f"s{len(steps) + 1}", "text": bank.pick(rng).format(**ctx)}
        if rng.random() < 0.25:
            step["actor"] = {"app": app, "officer": officer, "unit": impl}[actor]
        steps.append(step)
    if not steps:
        steps.append({"id": "s1", "text": _STEP_SUBMIT.items[0].format(**ctx)})
    rec["steps"] = steps

    pt = _duration(rng, n_days, f"{n_days} ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ"
                   if rng.random() < 0.15 else None)
    channels = []
    fee_text = f"{_vnd(_FEE_AMOUNTS.pick(rng))} đồng" if external and rng.random() < 0.2 else None
    for ch, prob in (("in_person", 0.95), ("online", 0.0 if online == "none" else 1.0), ("post", 0.2)):
        if rng.random() >= prob:
            continue
        c = {"id": f"c{len(channels) + 1}", "channel": ch}
        if rng.random() < 0.3:
            c["processing_time"] = {"value": pt["value"], "unit": pt["unit"]}
        if fee_text:
            c["fee_text"] = fee_text
        if rng.random() < 0.1:
            c["description"] = {"in_person": "Nộp hồ sơ trực tiếp tại Bộ phận Một cửa",
                                "online": "Nộp hồ sơ trực tuyến trên Cổng Dịch vụ công quốc gia",
                                "post": "Gửi hồ sơ qua dịch vụ bưu chính công ích"}[ch]
        channels.append(c)
    rec["channels"] = channels
    rec["processing_time"] = pt

    rec["dossier"] = _dossier(rng, sector, title_l, external, business)
    rec["fees"] = _fees(rng, sector, external)
    reqs = []
    for _ in range(_ch(rng, (0, 0, 0, 0, 0, 1, 1, 2))):
        t = _REQUIREMENTS.pick(rng).format(**ctx)
        if all(r["text"] != t for r in reqs):
            reqs.append({"id": f"r{len(reqs) + 1}", "text": t})
    rec["requirements"] = reqs
    rec["result"] = {
        "l": f"Giấy phép {obj_vi}", "c": _cap(obj_vi), "r": f"Giấy xác nhận đăng ký {obj_vi}",
        "d": f"Quyết định phê duyệt {obj_vi}", "b": f"Quyết định giải quyết {obj_vi}",
    }[cls] + (" hoặc văn bản từ chối nêu rõ lý do" if rng.random() < 0.15 else "")
    rec["legal_basis"] = _legal_basis(rng, sector, ministry, place, title_l)
    if rng.random() < 0.5:
        rec["keywords"] = [obj_vi, _low(sector.vi)]
    cost = _cost(rng)
    if cost is not None:
        rec["cost"] = cost

    en = {"title": title_en}
    if rng.random() < 0.25:
        who = "citizens and organizations" if external else "state agencies"
        en["summary"] = f"{title_en} in the {sector.en} sector, applicable to {who}."
        if rng.random() < 0.4:
            en["summary"] += _SUMMARY_EN.pick(rng).format(n=n_days)
    tr = {"en": en}
    if rng.random() < 0.1:
        th = {"title": f"{pat_th}ด้าน{sector.th}"}
        if rng.random() < 0.4:
            th["summary"] = f"ขั้นตอน{pat_th}ด้าน{sector.th} ระยะเวลาดำเนินการ {n_days} วันทำการ"
        tr["th"] = th
    rec["translations"] = tr
    return rec


def _th_record(rng: random.Random, code: str) -> dict:
    obj_th, obj_vi, obj_en, sector_key = _TH_OBJECTS.pick(rng)
    sector = _SECTOR_BY_NAME[sector_key]
    pat_th, pat_vi, pat_en = _TH_PATTERNS.pick(rng)
    title = pat_th.format(obj_th)
    office = _TH_OFFICES.pick(rng)
    n_days = _DURATIONS.pick(rng)
    external = rng.random() >= 0.2
    be_year = _ri(rng, 2520, 2566)
    rec: dict = {"code": code, "title": title, "lang": "th",
                 "kind": "external" if external else "internal",
                 "level": list(_LEVEL_CHOICES_MINISTRY.pick(rng)),
                 "sector": sector.th, "agency": _TH_AGENCIES.pick(rng)}
    _status_dates(rng, rec, None)
    rec["summary"] = (f"{title}ตามพระราชบัญญัติ{sector.th} พ.ศ. {be_year} ยื่นคำขอต่อ{office}"
                      if rng.random() < 0.5 else
                      f"ยื่นคำขอต่อ{office} พนักงานเจ้าหน้าที่พิจารณาภายใน {n_days} วันทำการ")
    rec["subjects"] = _TH_SUBJECTS.sample(rng, _ri(rng, 1, 2))
    rec["implementing_agency"] = office
    rec["online_level"] = _ch(rng, ("none", "partial", "full"))
    steps = []
    for bank in _TH_STEPS:
        if steps and rng.random() < 0.5:
            continue
        text = bank.pick(rng).format(office=office, title=title, n=_ch(rng, (3, 5, 7, 15)))
        steps.append({"id": f"s{len(steps) + 1}", "text": text})
    rec["steps"] = steps
    pt = {"value": n_days, "unit": "working_days", "text": f"{n_days} วันทำการ"}
    rec["channels"] = [{"id": "c1", "channel": "in_person"}]
    if rng.random() < 0.4:
        rec["channels"][0]["description"] = f"ยื่นด้วยตนเอง ณ {office}"
    if rec["online_level"] != "none":
        rec["channels"].append({"id": "c2", "channel": "online"})
    rec["processing_time"] = pt
    form = {"id": "d1", "name": f"แบบคำขอ{title}", "form": f"แบบ {_ch(rng, ('ก', 'ข', 'ค', 'อ', 'ร.ง'))}.{_ri(rng, 1, 9)}",
            "originals": 1, "copies": 0, "fields": []}
    for label, db in _TH_FIELDS[: _ri(rng, 1, 3)]:
        f = {"id": f"d1.f{len(form['fields']) + 1}", "label": label}
        if db and rng.random() < 0.6:
            f["source_db"] = db
        form["fields"].append(f)
    docs = [form]
    for name in _TH_DOCS.sample(rng, _ri(rng, 0, 2)):
        docs.append({"id": f"d{len(docs) + 1}", "name": name, "originals": _ri(rng, 0, 1), "copies": 1})
    rec["dossier"] = docs
    baht = _ch(rng, (0, 100, 200, 500, 1000, 2000, 5000))
    rec["fees"] = [{"id": "fee1", "name": "ค่าธรรมเนียมใบอนุญาต", "amount_vnd": baht * 700,
                    "text": f"ค่าธรรมเนียม {baht:,} บาท" if baht else "ไม่มีค่าธรรมเนียม"}]
    rec["requirements"] = [{"id": f"r{i + 1}", "text": t}
                           for i, t in enumerate(_TH_REQUIREMENTS.sample(rng, _ri(rng, 0, 1)))]
    rec["result"] = f"ใบอนุญาต{obj_th}" if rng.random() < 0.6 else "หนังสือแจ้งผลการพิจารณา"
    rec["legal_basis"] = [
        {"number": f"พ.ร.บ. พ.ศ. {be_year}", "summary": f"พระราชบัญญัติ{sector.th} พ.ศ. {be_year}",
         "issuer": "รัฐสภา"},
        {"number": f"กฎกระทรวง ฉบับที่ {_ri(rng, 1, 30)} (พ.ศ. {min(2567, be_year + _ri(rng, 1, 20))})",
         "issuer": rec["agency"]},
    ]
    if rng.random() < 0.5:
        rec["keywords"] = [obj_th, sector.th]
    cost = _cost(rng)
    if cost is not None:
        rec["cost"] = cost
    title_vi = pat_vi.format(obj_vi)
    title_en = pat_en.format(obj_en)
    vi = {"title": title_vi}
    if rng.random() < 0.6:
        vi["summary"] = f"{title_vi} theo pháp luật Thái Lan, giải quyết trong {n_days} ngày làm việc."
    en = {"title": title_en}
    if rng.random() < 0.5:
        en["summary"] = f"{title_en} under Thai law; processed within {n_days} working days."
    rec["translations"] = {"vi": vi, "en": en}
    return rec


def _record(seed: int, index: int) -> dict:
    # A string seed is hashed with SHA-512 by random.Random, so it is stable
    # across processes (unlike hash()) and distinct for every (seed, index).
    rng = random.Random(f"procedure-synthetic:{seed}:{index}")
    code = _code(index)
    if rng.random() < 0.05:
        return _th_record(rng, code)
    return _vi_record(rng, code)


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------

def generate_records(count: int, seed: int = 0, start: int = 0) -> Iterator[dict]:
    """Yield `count` schema-valid procedure records, deterministic for (seed, index).

    Records have indexes ``start .. start + count - 1``; record ``i`` is the
    same whatever ``count`` or ``start`` is, and its code is derived from
    ``i`` (``5.000000`` + i for i < 1,000,000), so codes never repeat.
    Each yielded dict is freshly built and may be mutated by the caller.
    """
    if count < 0 or start < 0:
        raise ValueError("count and start must be non-negative")
    for index in range(start, start + count):
        yield _record(seed, index)


def write_jsonl(stream: TextIO, count: int, seed: int = 0) -> int:
    """Write records as JSON lines (ensure_ascii=False), return the number written."""
    written = 0
    dumps = json.dumps
    for rec in generate_records(count, seed):
        stream.write(dumps(rec, ensure_ascii=False))
        stream.write("\n")
        written += 1
    return written


if __name__ == "__main__":  # pragma: no cover - convenience for manual use
    import sys

    _count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    _seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[attr-defined]
    write_jsonl(sys.stdout, _count, _seed)
