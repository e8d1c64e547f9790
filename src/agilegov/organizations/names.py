"""Telling organizations apart: the skeleton of a name, under which names that
look alike collide, and the check digit of Japan's corporate numbers. Pure
functions, no I/O."""

import unicodedata

# Legal forms dropped from a name's end or start: "FairBench Assurance Inc." and
# "FairBench Assurance" are one name to a reader.
LEGAL_FORMS = (
    "incorporated",
    "corporation",
    "company",
    "limited",
    "inc",
    "ltd",
    "llc",
    "llp",
    "plc",
    "corp",
    "co",
    "gmbh",
    "kk",
    "株",
    "有",
    "株式会社",
    "合同会社",
    "有限会社",
    "合資会社",
    "合名会社",
    "一般社団法人",
    "一般財団法人",
    "公益社団法人",
    "公益財団法人",
    "特定非営利活動法人",
    "npo法人",
    "独立行政法人",
    "国立大学法人",
)

# Letters that look like Latin ones (Unicode's confusables for the scripts people
# are likely to mix in: Cyrillic and Greek), and digits that look like letters.
CONFUSABLES = str.maketrans(
    {
        "\u0430": "a",  # cyrillic small letter a
        "\u0435": "e",  # cyrillic small letter ie
        "\u043e": "o",  # cyrillic small letter o
        "\u0440": "p",  # cyrillic small letter er
        "\u0441": "c",  # cyrillic small letter es
        "\u0443": "y",  # cyrillic small letter u
        "\u0445": "x",  # cyrillic small letter ha
        "\u0456": "i",  # cyrillic small letter byelorussian-ukrainian i
        "\u0458": "j",  # cyrillic small letter je
        "\u0455": "s",  # cyrillic small letter dze
        "\u04bb": "h",  # cyrillic small letter shha
        "\u0501": "d",  # cyrillic small letter komi de
        "\u051b": "q",  # cyrillic small letter qa
        "\u051d": "w",  # cyrillic small letter we
        "\u043a": "k",  # cyrillic small letter ka
        "\u043c": "m",  # cyrillic small letter em
        "\u043d": "h",  # cyrillic small letter en
        "\u0432": "b",  # cyrillic small letter ve
        "\u0442": "t",  # cyrillic small letter te
        "\u03b1": "a",  # greek small letter alpha
        "\u03bf": "o",  # greek small letter omicron
        "\u03c1": "p",  # greek small letter rho
        "\u03b9": "i",  # greek small letter iota
        "\u03ba": "k",  # greek small letter kappa
        "\u03bd": "v",  # greek small letter nu
        "\u03c4": "t",  # greek small letter tau
        "\u03c5": "u",  # greek small letter upsilon
        "\u03c7": "x",  # greek small letter chi
        "\u03b5": "e",  # greek small letter epsilon
        "\u0131": "i",  # latin small letter dotless i
        "0": "o",
        "1": "l",
        "|": "l",
        "5": "s",
    }
)


def _skeleton(text: str) -> str:
    # Letters only (of any script) and digits; spaces, punctuation and symbols go.
    kept = "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")
    return kept.translate(CONFUSABLES).replace("rn", "m").replace("i", "l")


def name_key(name: str) -> str:
    """The skeleton of an organization's name: NFKC, case folded, legal forms
    (Inc, Ltd, 株式会社 …) dropped, spaces and punctuation removed, and letters
    that look alike made one. Two names with the same key are easily mistaken."""
    text = unicodedata.normalize("NFKC", name).casefold()
    # NFKC made full-width brackets ASCII, so the abbreviated form reads (株).
    words = [word.strip(".,()・") for word in text.replace("(", " ").replace(")", " ").split()]
    words = [word for word in words if word]
    # Legal forms as separate words at either end, then glued ones (株式会社FairBench).
    while words and words[-1].replace(".", "") in LEGAL_FORMS:
        words.pop()
    while words and words[0].replace(".", "") in LEGAL_FORMS:
        words.pop(0)
    joined = "".join(words)
    for form in LEGAL_FORMS:
        if len(form) > 3 and not form.isascii():
            if joined.startswith(form) and len(joined) > len(form):
                joined = joined[len(form) :]
            if joined.endswith(form) and len(joined) > len(form):
                joined = joined[: -len(form)]
    key = _skeleton(joined)
    # A name of nothing but a legal form keeps it, rather than colliding with every other.
    return key or _skeleton(text)


def corporate_number_check_digit(base: str) -> int:
    """The check digit of a 法人番号 from its 12 base digits (国税庁's published
    rule): 9 - (the sum of each digit times 1 at odd positions from the right,
    2 at even ones) mod 9."""
    if len(base) != 12 or not base.isascii() or not base.isdigit():
        raise ValueError("a corporate number's base is 12 digits")
    total = sum(
        int(digit) * (1 if position % 2 else 2)
        for position, digit in enumerate(reversed(base), start=1)
    )
    return 9 - total % 9


def valid_corporate_number(number: str) -> bool:
    """Whether ``number`` is 13 digits whose first is the check digit of the rest."""
    if len(number) != 13 or not number.isascii() or not number.isdigit():
        return False
    return int(number[0]) == corporate_number_check_digit(number[1:])
