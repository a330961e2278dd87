"""Chinese readings for prompt text: digits and symbols become the words a hotline operator says.

espeak-ng's Mandarin voice reads Arabic digits one by one or in English, so every number is
rewritten into hanzi before synthesis. Each rule below is one regular expression and one reader;
`speakable` applies them in order, the most specific first (a case number before a date, a date
before a time, a time before a plain number), so a later rule never sees digits an earlier rule
has already read.
"""

from __future__ import annotations

import re
from collections.abc import Callable

DIGIT_WORDS = "零一二三四五六七八九"
# Operators say 幺 for 1 in phone numbers so it cannot be misheard as 七.
YAO = "幺"
CARDINAL_LIMIT = 10**12

_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_HAN = "[\u4e00-\u9fff]"
_OPEN = "[(（〔［\\[]"
_CLOSE = "[)）〕］\\]]"
_DASH = "[-~～–—]"

# Words after a number that make it a count or an amount (read as a cardinal, never digit by digit).
UNITS = (
    "元", "块", "角", "万", "亿", "个", "位", "名", "人", "次", "件", "份", "条", "张", "页",
    "项", "户", "笔", "起", "宗", "家", "天", "日", "周", "年", "月", "小时", "分钟", "秒",
    "岁", "倍", "号", "米", "公里", "平方米", "公斤", "千克", "吨", "股", "套", "台", "辆",
)  # fmt: skip
_ANY_UNIT = "|".join(UNITS)
# Words before a number that make it an amount or an ordinal.
QUANTITY_PREFIXES = ("第", "¥", "￥", "人民币", "金额", "共计", "合计", "总计")
# Words before a number that make it something to dial: "拨打110" is 幺幺零, not 一百一十.
DIAL_PREFIXES = ("拨打", "拨", "致电", "呼叫", "电话", "热线", "号码")
# Counters before which 2 is 两 ("两个工作日", "两点"); 年, 月, 日, 号 keep 二 ("二月", "二号").
TWO_COUNTERS = (
    "个", "位", "名", "次", "件", "份", "条", "张", "项", "种", "天", "周", "小时", "分钟",
    "倍", "岁", "点", "元", "块",
)  # fmt: skip


def digits(number: str, *, yao: bool = False) -> str:
    """Read a digit string one digit at a time: "0105" → "零一零五"; with yao, 1 is "幺"."""
    if not number or not number.isascii() or not number.isdigit():
        raise ValueError(f"not a string of digits 0-9: {number!r}")
    words = "".join(DIGIT_WORDS[int(digit)] for digit in number)
    return words.replace("一", YAO) if yao else words


def cardinal(n: int) -> str:
    """Read a whole number as a quantity: 10 → "十", 1010 → "一千零一十", 10**8 → "一亿"."""
    if not 0 <= n < CARDINAL_LIMIT:
        raise ValueError(f"cardinal reads 0 to 10**12 - 1, not {n}")
    if n == 0:
        return DIGIT_WORDS[0]
    words = ""
    zero_pending = False
    for group_value, group_unit in (
        (n // 10**8, "亿"),
        (n // 10**4 % 10**4, "万"),
        (n % 10**4, ""),
    ):
        if group_value == 0:
            zero_pending = bool(words)
            continue
        # A gap inside the number is read once as 零: 100005 → 十万零五, 10010000 → 一千零一万.
        if words and (zero_pending or group_value < 1000):
            words += DIGIT_WORDS[0]
        words += _below_ten_thousand(group_value) + group_unit
        zero_pending = False
    # 10–19 at the head of a number are 十, 十一 … not 一十, 一十一 (but 110 is 一百一十).
    return words.removeprefix("一") if words.startswith("一十") else words


def _below_ten_thousand(n: int) -> str:
    words = ""
    zero_pending = False
    for place_value, place_word in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // place_value % 10
        if digit == 0:
            zero_pending = bool(words)
            continue
        if zero_pending:
            words += DIGIT_WORDS[0]
        words += DIGIT_WORDS[digit] + place_word
        zero_pending = False
    return words


def year(number: str) -> str:
    """Years are read digit by digit: "2024" → "二零二四"."""
    return digits(number)


def quantity(number: str) -> str:
    """An amount as written, decimals included: "2.5" → "二点五", "1,200" → "一千二百"."""
    whole, _, fraction = number.replace(",", "").partition(".")
    whole_words = cardinal(int(whole)) if len(whole) <= 12 else digits(whole)
    return f"{whole_words}点{digits(fraction)}" if fraction else whole_words


def clock_time(hour: int, minute: int, second: int = 0) -> str:
    """14:30 → "十四点三十分", 9:05 → "九点零五分", 17:00 → "十七点整", 2:00 → "两点整"."""
    words = ("两" if hour == 2 else cardinal(hour)) + "点"
    if minute == 0 and second == 0:
        return words + "整"
    words += (DIGIT_WORDS[0] if minute < 10 and minute else "") + cardinal(minute) + "分"
    return words + (cardinal(second) + "秒" if second else "")


def _small_number(number: str) -> str:
    """1–4 digits in running text: a cardinal, unless a leading zero marks it as a code ("0105")."""
    return digits(number) if len(number) > 1 and number.startswith("0") else cardinal(int(number))


# --- rules: one pattern and one reader each --------------------------------------------------

Reader = Callable[[re.Match[str]], str]

CASE_NUMBER = re.compile(
    rf"{_OPEN}\s*(?P<year>[0-9]{{4}})\s*{_CLOSE}\s*"
    rf"(?P<court>{_HAN}{{1,6}}?)(?P<court_code>[0-9]{{1,4}})?"
    rf"(?P<case_type>{_HAN}{{1,6}}?)(?P<sequence>[0-9]{{1,8}})号"
)


def read_case_number(match: re.Match[str]) -> str:
    """(2024)京0105民初12345号 → 二零二四年京零一零五民初一万二千三百四十五号."""
    court_code = match["court_code"]
    return (
        f"{year(match['year'])}年{match['court']}"
        f"{digits(court_code) if court_code else ''}"
        f"{match['case_type']}{cardinal(int(match['sequence']))}号"
    )


BRACKETED_YEAR = re.compile(rf"{_OPEN}\s*(?P<year>(?:19|20)[0-9]{{2}})\s*{_CLOSE}")


def read_bracketed_year(match: re.Match[str]) -> str:
    """The year of a document number, 京高法发〔2024〕12号, is read like a case number's."""
    return f"{year(match['year'])}年"


ISO_DATE = re.compile(
    r"(?<![0-9])(?P<year>(?:19|20)[0-9]{2})(?P<separator>[-/.])"
    r"(?P<month>0?[1-9]|1[0-2])(?P=separator)(?P<day>0?[1-9]|[12][0-9]|3[01])(?![0-9])"
)


def read_iso_date(match: re.Match[str]) -> str:
    """2024-03-05 (or 2024/3/5, 2024.03.05) → 二零二四年三月五日."""
    return (
        f"{year(match['year'])}年{cardinal(int(match['month']))}月{cardinal(int(match['day']))}日"
    )


YEAR = re.compile(r"(?<![0-9])(?P<year>[0-9]{4})(?=年)")


def read_year(match: re.Match[str]) -> str:
    return year(match["year"])


MONTH_DAY = re.compile(
    r"(?<![0-9])(?P<month>0?[1-9]|1[0-2])月(?:(?P<day>0?[1-9]|[12][0-9]|3[01])(?P<day_word>[日号]))?"
)


def read_month_day(match: re.Match[str]) -> str:
    """3月15日 → 三月十五日; 03月 → 三月 (a leading zero is not read)."""
    words = f"{cardinal(int(match['month']))}月"
    if match["day"]:
        words += cardinal(int(match["day"])) + match["day_word"]
    return words


_TIME = (
    r"(?P<{0}hour>[01]?[0-9]|2[0-3])[:：](?P<{0}minute>[0-5][0-9])"
    r"(?:[:：](?P<{0}second>[0-5][0-9]))?"
)
# Not inside a longer run such as 1:14:30:15; a colon after a word ("注意：14:30") is fine.
_NOT_AFTER_DIGITS = r"(?<![0-9])(?<![0-9][:：])"
_NOT_BEFORE_DIGITS = r"(?![0-9])(?![:：][0-9])"
TIME = re.compile(rf"{_NOT_AFTER_DIGITS}{_TIME.format('')}{_NOT_BEFORE_DIGITS}")
TIME_RANGE = re.compile(
    rf"{_NOT_AFTER_DIGITS}{_TIME.format('start_')}\s*{_DASH}\s*{_TIME.format('end_')}"
    rf"{_NOT_BEFORE_DIGITS}"
)


def _clock_time_from(match: re.Match[str], prefix: str = "") -> str:
    second = match[f"{prefix}second"]
    return clock_time(
        int(match[f"{prefix}hour"]), int(match[f"{prefix}minute"]), int(second) if second else 0
    )


def read_time(match: re.Match[str]) -> str:
    return _clock_time_from(match)


def read_time_range(match: re.Match[str]) -> str:
    """8:30-17:30 → 八点三十分至十七点三十分."""
    return f"{_clock_time_from(match, 'start_')}至{_clock_time_from(match, 'end_')}"


# "按0" is the key 零; "按3天计算" (按 as "according to") is left to the quantity rules.
KEY_DIGIT = re.compile(rf"(?<=按)(?P<space>\s*)(?P<key>[0-9])(?![0-9.])(?!\s*(?:{_ANY_UNIT}))")
# "按#" / "按#号" / "#键" / "#号" name the key; a lone "#" elsewhere is left alone.
KEY_SYMBOL = re.compile(
    r"(?P<press>按\s*)(?P<key>[*#＊＃])号?|(?P<bare_key>[*#＊＃])(?:号|(?=\s*键))"
)
KEY_SYMBOL_WORDS = {"*": "星号", "＊": "星号", "#": "井号", "＃": "井号"}


def read_key_digit(match: re.Match[str]) -> str:
    return match["space"] + DIGIT_WORDS[int(match["key"])]


def read_key_symbol(match: re.Match[str]) -> str:
    if match["press"] is not None:
        return match["press"] + KEY_SYMBOL_WORDS[match["key"]]
    return KEY_SYMBOL_WORDS[match["bare_key"]]


_QUANTITY = r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?"

PERCENT = re.compile(rf"(?<![0-9.,])(?P<number>{_QUANTITY})\s*[%％]")


def read_percent(match: re.Match[str]) -> str:
    """95% → 百分之九十五."""
    return f"百分之{quantity(match['number'])}"


CURRENCY = re.compile(rf"[¥￥]\s*(?P<number>{_QUANTITY})(?![0-9])(?P<yuan>元)?")


def read_currency(match: re.Match[str]) -> str:
    """¥1,200.50 → 一千二百点五零元 (the sign is read as 元 after the amount)."""
    return f"{quantity(match['number'])}元"


GROUPED_OR_DECIMAL = re.compile(
    r"(?<![0-9.,])(?P<number>[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+\.[0-9]+)(?![0-9.,])"
)


def read_grouped_or_decimal(match: re.Match[str]) -> str:
    """2.5 → 二点五; 12,345 → 一万二千三百四十五 (thousands separators mark an amount)."""
    return quantity(match["number"])


NUMBER_RANGE = re.compile(
    rf"(?<![0-9.\-])(?P<low>[0-9]{{1,4}})\s*{_DASH}\s*(?P<high>[0-9]{{1,4}})(?![0-9.\-])"
    rf"(?=\s*(?:{_ANY_UNIT}))"
)


def read_number_range(match: re.Match[str]) -> str:
    """3-5个工作日 → 三至五个工作日."""
    return f"{_small_number(match['low'])}至{_small_number(match['high'])}"


PHONE_WITH_SEPARATORS = re.compile(
    r"(?<![0-9.\-])(?:[(（](?P<area>0[0-9]{2,3})[)）]\s*(?P<local>[0-9]{7,8})"
    r"|(?P<grouped>[0-9]{3,4}(?:-[0-9]{3,8}){1,2}))(?![0-9\-])"
)
PHONE_MIN_DIGITS = 7


def read_phone_with_separators(match: re.Match[str]) -> str:
    """010-62345678 → 零幺零 六二三四五六七八 (a space keeps the pause the hyphen marks)."""
    groups = [match["area"], match["local"]] if match["area"] else match["grouped"].split("-")
    if sum(len(group) for group in groups) < PHONE_MIN_DIGITS:
        return match[0]
    return " ".join(digits(group, yao=True) for group in groups)


NUMBER = re.compile(r"[0-9]+")
PHONE_MIN_RUN = 5


def read_number(match: re.Match[str]) -> str:
    """Whatever digits are left: a count or amount, a number to dial, or a code."""
    number = match[0]
    before = match.string[: match.start()].rstrip(" ：:是为")
    after = match.string[match.end() :].lstrip(" ")
    counted = after.startswith(UNITS) or before.endswith(QUANTITY_PREFIXES)
    if before.endswith(DIAL_PREFIXES) and not counted:
        return digits(number, yao=True)
    if len(number) >= PHONE_MIN_RUN:
        if counted and not number.startswith("0") and int(number) < CARDINAL_LIMIT:
            return cardinal(int(number))
        return digits(number, yao=not counted)
    if number == "2" and after.startswith(TWO_COUNTERS) and not before.endswith("第"):
        return "两"
    return _small_number(number)


RULES: tuple[tuple[re.Pattern[str], Reader], ...] = (
    (CASE_NUMBER, read_case_number),
    (BRACKETED_YEAR, read_bracketed_year),
    (ISO_DATE, read_iso_date),
    (YEAR, read_year),
    (MONTH_DAY, read_month_day),
    (TIME_RANGE, read_time_range),
    (TIME, read_time),
    (KEY_DIGIT, read_key_digit),
    (KEY_SYMBOL, read_key_symbol),
    (PERCENT, read_percent),
    (CURRENCY, read_currency),
    (GROUPED_OR_DECIMAL, read_grouped_or_decimal),
    (NUMBER_RANGE, read_number_range),
    (PHONE_WITH_SEPARATORS, read_phone_with_separators),
    (NUMBER, read_number),
)


def speakable(text: str) -> str:
    """Rewrite digits and key symbols into the words an operator would say; keep the rest."""
    text = text.translate(_FULL_WIDTH_DIGITS)
    for pattern, reader in RULES:
        text = pattern.sub(reader, text)
    return text
