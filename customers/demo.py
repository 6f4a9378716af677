"""Demo customers: realistic Chinese names, valid ID numbers, mobiles and bank cards, bulk inserted.

The generators (`make_name`, `make_national_id`, `make_mobile`, `make_bank_card`, ...) are public so that other
apps' demo data and tests can reuse them. `seed(ctx)` is idempotent: customers numbered with DEMO_PREFIX are
counted, and only the missing ones up to ctx.customers are added.
"""

from __future__ import annotations

import io
import multiprocessing
import random
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

from django.db import connection, transaction

from customers import crypto
from customers.fields import Ciphertext
from customers.models import ConsentRecord, Customer
from customers.validators import luhn_check_digit, resident_id_check_digit

DEMO_PREFIX = "DM"
# Rows per INSERT: large batches keep round trips few; 5,000 rows of ~20 columns stay well under the
# parameter limits of PostgreSQL (65,535) once split by Django on SQLite.
BATCH_SIZE = 5_000
# Above this many new customers the Fernet encryption (CPU-bound) is spread over a process pool.
PARALLEL_THRESHOLD = 20_000
PARALLEL_PROCESSES = 2

# Common surnames (with pinyin for e-mail addresses), roughly by frequency.
SURNAMES = [
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"), ("黄", "huang"),
    ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"), ("马", "ma"), ("朱", "zhu"),
    ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("高", "gao"), ("林", "lin"), ("罗", "luo"), ("郑", "zheng"),
    ("梁", "liang"), ("谢", "xie"), ("宋", "song"), ("唐", "tang"), ("许", "xu"), ("韩", "han"), ("冯", "feng"),
    ("邓", "deng"), ("曹", "cao"), ("彭", "peng"), ("曾", "zeng"), ("肖", "xiao"), ("田", "tian"), ("董", "dong"),
    ("袁", "yuan"), ("潘", "pan"), ("于", "yu"), ("蒋", "jiang"), ("蔡", "cai"), ("余", "yu"), ("杜", "du"),
    ("叶", "ye"), ("程", "cheng"), ("苏", "su"), ("魏", "wei"), ("吕", "lv"), ("丁", "ding"), ("任", "ren"),
    ("沈", "shen"), ("姚", "yao"), ("卢", "lu"), ("姜", "jiang"), ("崔", "cui"), ("钟", "zhong"), ("谭", "tan"),
    ("陆", "lu"), ("汪", "wang"), ("范", "fan"), ("金", "jin"), ("石", "shi"), ("廖", "liao"), ("贾", "jia"),
    ("夏", "xia"), ("韦", "wei"), ("付", "fu"), ("方", "fang"), ("白", "bai"), ("邹", "zou"), ("孟", "meng"),
    ("熊", "xiong"), ("秦", "qin"), ("邱", "qiu"), ("江", "jiang"), ("尹", "yin"), ("薛", "xue"), ("闫", "yan"),
    ("段", "duan"), ("雷", "lei"), ("侯", "hou"), ("龙", "long"), ("史", "shi"), ("陶", "tao"), ("黎", "li"),
    ("贺", "he"), ("顾", "gu"), ("毛", "mao"), ("郝", "hao"), ("龚", "gong"), ("邵", "shao"), ("万", "wan"),
    ("欧阳", "ouyang"), ("司马", "sima"), ("上官", "shangguan"),
]  # fmt: skip
# Weights: the first surnames are far more common than the last ones.
SURNAME_WEIGHTS = [max(1.0, 40.0 - i * 0.6) for i in range(len(SURNAMES))]
SURNAME_CUM_WEIGHTS = list(accumulate(SURNAME_WEIGHTS))
GIVEN_MALE = list("伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林欢阳建国志文斌博晨昊然子豪睿泽")
GIVEN_FEMALE = list("芳娜敏静丽艳娟霞秀玲桂英华慧巧美娅雪琳婷颖倩洁佳欣悦怡萱雨涵梓馨诗琪晓梅丹蕾薇宁")

# (area code, province, city, district): real county-level codes of the GB/T 2260 list.
AREAS = [
    ("110101", "北京市", "", "东城区"), ("110105", "北京市", "", "朝阳区"), ("110108", "北京市", "", "海淀区"),
    ("310104", "上海市", "", "徐汇区"), ("310115", "上海市", "", "浦东新区"), ("310112", "上海市", "", "闵行区"),
    ("120101", "天津市", "", "和平区"), ("500103", "重庆市", "", "渝中区"), ("500112", "重庆市", "", "渝北区"),
    ("440106", "广东省", "广州市", "天河区"), ("440104", "广东省", "广州市", "越秀区"), ("440305", "广东省", "深圳市", "南山区"),
    ("440304", "广东省", "深圳市", "福田区"), ("441900", "广东省", "东莞市", ""), ("330106", "浙江省", "杭州市", "西湖区"),
    ("330203", "浙江省", "宁波市", "海曙区"), ("320102", "江苏省", "南京市", "玄武区"), ("320505", "江苏省", "苏州市", "虎丘区"),
    ("510107", "四川省", "成都市", "武侯区"), ("510104", "四川省", "成都市", "锦江区"), ("420106", "湖北省", "武汉市", "武昌区"),
    ("430104", "湖南省", "长沙市", "岳麓区"), ("610113", "陕西省", "西安市", "雁塔区"), ("370202", "山东省", "青岛市", "市南区"),
    ("370102", "山东省", "济南市", "历下区"), ("350203", "福建省", "厦门市", "思明区"), ("350102", "福建省", "福州市", "鼓楼区"),
    ("410105", "河南省", "郑州市", "金水区"), ("130102", "河北省", "石家庄市", "长安区"), ("140105", "山西省", "太原市", "小店区"),
    ("210102", "辽宁省", "沈阳市", "和平区"), ("230103", "黑龙江省", "哈尔滨市", "南岗区"), ("220102", "吉林省", "长春市", "南关区"),
    ("340104", "安徽省", "合肥市", "蜀山区"), ("360102", "江西省", "南昌市", "东湖区"), ("450103", "广西壮族自治区", "南宁市", "青秀区"),
    ("530102", "云南省", "昆明市", "五华区"), ("520102", "贵州省", "贵阳市", "南明区"), ("620102", "甘肃省", "兰州市", "城关区"),
    ("460105", "海南省", "海口市", "秀英区"), ("150102", "内蒙古自治区", "呼和浩特市", "新城区"), ("650102", "新疆维吾尔自治区", "乌鲁木齐市", "天山区"),
]  # fmt: skip
STREETS = list("人民解放建设中山和平胜利新华文化朝阳长江黄河光明幸福青年")
STREET_SUFFIX = ["路", "大街", "街", "大道", "北路", "南路", "东路", "西路"]
COMMUNITIES = ["花园", "小区", "新村", "家园", "公寓", "苑", "嘉园", "名苑"]
MOBILE_PREFIXES = [
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
    "156", "157", "158", "159", "166", "170", "176", "177", "178", "180", "181", "182", "183", "184", "185",
    "186", "187", "188", "189", "191", "198", "199",
]  # fmt: skip
# Debit card BINs of large Chinese banks (UnionPay).
CARD_BINS = [("622202", 19), ("621700", 19), ("622848", 19), ("621661", 19), ("622588", 16), ("622262", 19)]
EMAIL_DOMAINS = ["qq.com", "163.com", "126.com", "sina.com", "outlook.com", "foxmail.com"]
SHANGHAI = ZoneInfo("Asia/Shanghai")


def make_name(rng: random.Random, gender: str | None = None) -> tuple[str, str]:
    """A plausible Chinese full name and the pinyin of its surname: ("王晓明", "wang")."""
    surname, pinyin = rng.choices(SURNAMES, cum_weights=SURNAME_CUM_WEIGHTS)[0]
    pool = GIVEN_FEMALE if gender == "F" else GIVEN_MALE if gender == "M" else GIVEN_MALE + GIVEN_FEMALE
    given = "".join(rng.choice(pool) for _ in range(rng.choice((1, 2, 2, 2))))
    return surname + given, pinyin


def make_birth_date(rng: random.Random, *, min_age: int = 20, max_age: int = 65, today: date | None = None) -> date:
    """A birth date for an adult borrower."""
    today = today or date(2026, 11, 1)
    days = rng.randint(min_age * 365 + 10, max_age * 365)
    return today - timedelta(days=days)


def make_national_id(
    rng: random.Random, *, area: str | None = None, born: date | None = None, gender: str | None = None
) -> str:
    """A valid 18-character resident ID number (area code, birth date, sequence with gender, GB 11643 check)."""
    area = area or rng.choice(AREAS)[0]
    born = born or make_birth_date(rng)
    seq = rng.randint(0, 99) * 10  # the last sequence digit carries the gender: odd male, even female
    gender_digit = (
        rng.choice((1, 3, 5, 7, 9))
        if gender == "M"
        else rng.choice((0, 2, 4, 6, 8))
        if gender == "F"
        else rng.randint(0, 9)
    )
    first17 = f"{area}{born:%Y%m%d}{seq + gender_digit:03d}"
    return first17 + resident_id_check_digit(first17)


def make_mobile(rng: random.Random) -> str:
    """A mainland mobile number in E.164 form (+8613812345678)."""
    return "+86" + rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"


def make_bank_card(rng: random.Random) -> str:
    """A Luhn-valid UnionPay debit card number (16 or 19 digits)."""
    bin_, length = rng.choice(CARD_BINS)
    digits = length - len(bin_) - 1
    body = bin_ + f"{rng.randrange(10**digits):0{digits}d}"
    return body + luhn_check_digit(body)


def make_address(rng: random.Random, area: tuple[str, str, str, str] | None = None) -> str:
    """A street address in the area's province, city and district."""
    _code, province, city, district = area or rng.choice(AREAS)
    street = rng.choice(STREETS) + rng.choice(STREETS) + rng.choice(STREET_SUFFIX)
    community = rng.choice(STREETS) + rng.choice(COMMUNITIES)
    return (
        f"{province}{city}{district}{street}{rng.randint(1, 999)}号{community}"
        f"{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元{rng.randint(1, 33)}{rng.randint(1, 4):02d}室"
    )


def make_email(rng: random.Random, pinyin: str) -> str:
    """A personal e-mail address: QQ numbers or pinyin with digits."""
    if rng.random() < 0.35:
        return f"{rng.randint(10_000_000, 3_999_999_999)}@qq.com"
    return f"{pinyin}{rng.randint(1, 9999)}@{rng.choice(EMAIL_DOMAINS)}"


@dataclass
class DemoCustomer:
    number: str
    name: str
    national_id: str
    mobile: str
    email: str
    address: str
    bank_card: str
    born: date
    gender: str
    language: str
    sms_opt_out: bool
    voice_opt_out: bool
    created_at: datetime
    marketing: str  # "" or "granted"


def _make_customer(rng: random.Random, number: int, taken_ids: set[str], taken_mobiles: set[str]) -> DemoCustomer:
    gender = rng.choice("MF")
    area = rng.choice(AREAS)
    born = make_birth_date(rng)
    while True:
        national_id = make_national_id(rng, area=area[0], born=born, gender=gender)
        if national_id not in taken_ids:
            taken_ids.add(national_id)
            break
    while True:
        mobile = make_mobile(rng)
        if mobile not in taken_mobiles:
            taken_mobiles.add(mobile)
            break
    name, pinyin = make_name(rng, gender)
    roll = rng.random()
    created = datetime(2023, 1, 1, tzinfo=SHANGHAI) + timedelta(minutes=rng.randint(0, 3 * 365 * 24 * 60))
    return DemoCustomer(
        number=f"{DEMO_PREFIX}{number:07d}",
        name=name,
        national_id=national_id,
        mobile=mobile,
        email=make_email(rng, pinyin) if rng.random() < 0.45 else "",
        address=make_address(rng, area) if rng.random() < 0.9 else "",
        bank_card=make_bank_card(rng) if rng.random() < 0.8 else "",
        born=born,
        gender=gender,
        language=Customer.Language.EN if roll < 0.1 else Customer.Language.ZH_HANS,
        sms_opt_out=rng.random() < 0.04,
        voice_opt_out=rng.random() < 0.08,
        created_at=created,
        marketing="granted" if rng.random() < 0.35 else "",
    )


def _protect_rows(rows: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Encrypt (national_id, mobile, email, address, bank_card) and append the three search hashes.

    Runs in worker processes for large seeds: Fernet is the CPU-heavy part of seeding.
    """
    return [
        (*(crypto.encrypt(v) for v in row), crypto.pii_hash(row[0]), crypto.pii_hash(row[1]), crypto.pii_hash(row[2]))
        for row in rows
    ]


def _protect_all(plain: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    if len(plain) < PARALLEL_THRESHOLD or (multiprocessing.get_start_method(allow_none=True) or "fork") != "fork":
        return _protect_rows(plain)
    chunk = 2_000
    chunks = [plain[i : i + chunk] for i in range(0, len(plain), chunk)]
    # Fork start: the workers inherit settings and keys; they never touch the database connection.
    with multiprocessing.get_context("fork").Pool(PARALLEL_PROCESSES) as pool:
        return [row for part in pool.map(_protect_rows, chunks) for row in part]


def seed(ctx) -> None:
    """Add demo customers until ctx.customers exist with the demo prefix (idempotent, bulk, deterministic)."""
    existing = Customer.objects.filter(customer_number__startswith=DEMO_PREFIX).count()
    if ctx.customers <= existing:
        ctx.say(f"customers: {existing} demo customers already there, none added")
        return
    started = time.monotonic()
    rng = ctx.rng
    taken_ids: set[str] = set()
    taken_mobiles: set[str] = set()
    people = [_make_customer(rng, n, taken_ids, taken_mobiles) for n in range(existing + 1, ctx.customers + 1)]
    generated = time.monotonic()
    protected = _protect_all([(p.national_id, p.mobile, p.email, p.address, p.bank_card) for p in people])
    # Never clash with a customer already in the database (a real one, or an earlier partial run).
    clashes = _existing_id_hashes([row[5] for row in protected]) if Customer.objects.exists() else set()
    for i, row in enumerate(protected):
        while row[5] in clashes:
            people[i] = _make_customer(rng, existing + 1 + i, taken_ids, taken_mobiles)
            row = protected[i] = _protect_rows(
                [(people[i].national_id, people[i].mobile, people[i].email, people[i].address, people[i].bank_card)]
            )[0]
            clashes |= _existing_id_hashes([row[5]])
    encrypted = time.monotonic()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _copy_customers(people, protected)
        else:
            _bulk_create_customers(people, protected)
        consents = _consent_rows(rng, people, _ids_by_number(people))
        if connection.vendor == "postgresql":
            _copy_consents(consents)
        else:
            ConsentRecord.objects.bulk_create(consents, batch_size=BATCH_SIZE)
    ctx.extra["customers_timings"] = {
        "generate": generated - started,
        "encrypt": encrypted - generated,
        "insert": time.monotonic() - encrypted,
    }
    ctx.say(
        f"customers: {len(people)} demo customers added ({existing + len(people)} in all), {len(consents)} consents"
    )


def _existing_id_hashes(hashes: list[str]) -> set[str]:
    """Which of these ID-number hashes are already taken (in chunks: SQLite allows 999 parameters)."""
    taken: set[str] = set()
    for start in range(0, len(hashes), 900):
        chunk = hashes[start : start + 900]
        taken |= set(Customer.objects.filter(national_id_hash__in=chunk).values_list("national_id_hash", flat=True))
    return taken


def _bulk_create_customers(people: list[DemoCustomer], protected: list[tuple[str, ...]]) -> None:
    created_field = Customer._meta.get_field("created_at")
    # Demo customers joined over the last years, not all today: let created_at take the given value.
    created_field.auto_now_add = False
    try:
        for start in range(0, len(people), BATCH_SIZE):
            batch = [
                _customer_row(p, row)
                for p, row in zip(
                    people[start : start + BATCH_SIZE], protected[start : start + BATCH_SIZE], strict=True
                )
            ]
            Customer.objects.bulk_create(batch, batch_size=BATCH_SIZE)
    finally:
        created_field.auto_now_add = True


CUSTOMER_COPY_COLUMNS = (
    "customer_number", "name", "national_id", "national_id_hash", "mobile", "mobile_hash", "email", "email_hash",
    "address", "bank_card", "date_of_birth", "gender", "preferred_language", "sms_opt_out", "voice_opt_out",
    "created_at", "updated_at",
)  # fmt: skip


def _copy_field(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ").replace("\r", " ")


def _copy(table: str, columns: tuple[str, ...], rows) -> None:
    """PostgreSQL COPY FROM STDIN: several times faster than INSERTs for a large seed."""
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_copy_field(v) for v in row))
        buffer.write("\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


def _copy_customers(people: list[DemoCustomer], protected: list[tuple[str, ...]]) -> None:
    for start in range(0, len(people), BATCH_SIZE * 4):
        _copy(
            Customer._meta.db_table,
            CUSTOMER_COPY_COLUMNS,
            (
                (p.number, p.name, nid, nid_hash, mob, mob_hash, email, email_hash, address, card,
                 p.born, p.gender, p.language, p.sms_opt_out, p.voice_opt_out, p.created_at, p.created_at)
                for p, (nid, mob, email, address, card, nid_hash, mob_hash, email_hash) in zip(
                    people[start : start + BATCH_SIZE * 4], protected[start : start + BATCH_SIZE * 4], strict=True
                )
            ),
        )  # fmt: skip


def _copy_consents(records: list[ConsentRecord]) -> None:
    _copy(
        ConsentRecord._meta.db_table,
        ("customer_id", "purpose", "granted", "recorded_at", "channel", "note"),
        ((r.customer_id, r.purpose, r.granted, r.recorded_at, r.channel, r.note) for r in records),
    )


def _customer_row(p: DemoCustomer, protected: tuple[str, ...]) -> Customer:
    national_id, mobile, email, address, bank_card = (Ciphertext(t) for t in protected[:5])
    national_id_hash, mobile_hash, email_hash = protected[5:]
    return Customer(
        customer_number=p.number,
        name=p.name,
        national_id=national_id,
        national_id_hash=national_id_hash,
        mobile=mobile,
        mobile_hash=mobile_hash,
        email=email,
        email_hash=email_hash,
        address=address,
        bank_card=bank_card,
        date_of_birth=p.born,
        gender=p.gender,
        preferred_language=p.language,
        sms_opt_out=p.sms_opt_out,
        voice_opt_out=p.voice_opt_out,
        created_at=p.created_at,
        updated_at=p.created_at,
    )


def _consent_rows(rng: random.Random, people: list[DemoCustomer], ids: dict[str, int]) -> list[ConsentRecord]:
    """Marketing consent signed with the contract for some; a few withdrew it later by phone or SMS."""
    records = []
    for p in people:
        if not p.marketing:
            continue
        customer_id = ids[p.number]
        records.append(
            ConsentRecord(
                customer_id=customer_id,
                purpose=ConsentRecord.Purpose.MARKETING,
                granted=True,
                recorded_at=p.created_at,
                channel=ConsentRecord.Channel.CONTRACT,
            )
        )
        if rng.random() < 0.12:
            records.append(
                ConsentRecord(
                    customer_id=customer_id,
                    purpose=ConsentRecord.Purpose.MARKETING,
                    granted=False,
                    recorded_at=p.created_at + timedelta(days=rng.randint(10, 400), hours=rng.randint(0, 10)),
                    channel=rng.choice([ConsentRecord.Channel.HOTLINE, ConsentRecord.Channel.SMS]),
                    note="客户来电要求停止营销信息" if rng.random() < 0.5 else "",
                )
            )
    return records


def _ids_by_number(people: list[DemoCustomer]) -> dict[str, int]:
    """Customer ids of the demo numbers, read in one pass (an IN list of 100,000 numbers is too long)."""
    first, last = people[0].number, people[-1].number
    return dict(
        Customer.objects.filter(customer_number__gte=first, customer_number__lte=last)
        .filter(customer_number__startswith=DEMO_PREFIX)
        .values_list("customer_number", "id")
    )


def demo_customer_ids() -> list[int]:
    """Ids of the demo customers, oldest number first (for other apps' demo data)."""
    return list(
        Customer.objects.filter(customer_number__startswith=DEMO_PREFIX)
        .order_by("customer_number")
        .values_list("id", flat=True)
    )
