"""The shared version of an incident, alone: names replaced in any case and
width, in English and in Japanese; e-mail addresses, phone numbers and the
organization's links removed; dates kept to the month and counts to a band;
and what an edited text still gives away."""

from datetime import date

import pytest

from agilegov.commons.pseudonymise import (
    Harm,
    Identifiers,
    SharedHarm,
    count_band,
    identifying,
    propose,
)
from agilegov.commons.vocabulary import HarmSeverity, HarmType

ACME = Identifiers(
    organization_names=("Acme, Inc.",),
    slug="acme-hr",
    domains=("acme.example",),
    people=("Taro Yamada", "Yamada"),
    scope_name="TalentMatch",
    emails=("ops@acme-mail.example",),
)
TALENT_BRIDGE = Identifiers(
    organization_names=("タレントブリッジ株式会社",),
    slug="talent-bridge",
    domains=("talentbridge.example.jp",),
    people=("山田 太郎",),
    scope_name="採用アシスタント",
)
OCCURRED = date(2027, 3, 4)


def wide(text: str) -> str:
    """``text`` in full-width letters, as Japanese input methods type them."""
    return "".join(chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char for char in text)


def shared(text: str, identifiers: Identifiers = ACME) -> str:
    return propose(text, "", [], OCCURRED, identifiers).title


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The organization's names, in any case or width, with or without its legal form.
        ("Acme ranked applicants.", "The organization ranked applicants."),
        (
            "ACME and acme and Acme, Inc. said so.",
            "The organization and the organization and the organization said so.",
        ),
        (wide("ACME") + "'s model", "The organization's model"),
        ("Built by acme-hr.", "Built by the organization."),
        # An article before a name is not doubled.
        (
            "The Acme team and an Acme engineer",
            "The organization team and an organization engineer",
        ),
        ("a TalentMatch score", "a system score"),
        # People and the system.
        (
            "Taro Yamada found it; Yamada told TalentMatch users.",
            "A person found it; a person told the system users.",
        ),
        ("taro   YAMADA", "A person"),
        # A Latin name is a whole word: other words that contain it stay.
        ("Acmeville is a town; AcmeCorp is not us.", "Acmeville is a town; AcmeCorp is not us."),
        ("Xacme and acme2", "Xacme and acme2"),
        # An underscore parts words, as in a user name.
        ("acme_admin", "The organization_admin"),
        # Punctuation and Japanese around a Latin name do not hide it.
        ('(Acme) "Acme" Acme-made', '(the organization) "the organization" the organization-made'),
        # A Latin name in Japanese text, with a Japanese placeholder.
        ("Acmeの事故", "当該組織の事故"),
        # Its legal form goes with it; a final dot stays where it may end the sentence.
        ("Acme Inc told Acme Corp. staff.", "The organization told the organization staff."),
        ("Made by Acme, Inc.", "Made by the organization."),
    ],
)
def test_names_become_placeholders(text: str, expected: str) -> None:
    assert shared(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("タレントブリッジ株式会社の採用アシスタントで不具合", "当該組織の当該システムで不具合"),
        # Its name without the legal form, and in half-width katakana.
        ("タレントブリッジは謝罪した。", "当該組織は謝罪した。"),
        ("ﾀﾚﾝﾄﾌﾞﾘｯｼﾞ社", "当該組織社"),
        (wide("(") + "株" + wide(")") + "タレントブリッジ", "当該組織"),
        # A Japanese name inside a longer word still names it.
        ("山田太郎氏と山田 太郎さん", "ある人物氏とある人物さん"),
        ("タレントブリッジ(有)とタレントブリッジ合同会社", "当該組織と当該組織"),
        # Latin names in Japanese text get Japanese placeholders.
        ("Talent-Bridgeの担当者", "当該組織の担当者"),
    ],
)
def test_japanese_names_become_placeholders(text: str, expected: str) -> None:
    assert shared(text, TALENT_BRIDGE) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Write to taro@acme.example or help@other.example today.", "Write to or today."),
        ("Call 03-1234-5678 now.", "Call now."),
        ("Call +81 3 1234 5678, (03) 1234-5678 or 0120-123-456.", "Call, or."),
        ("電話09012345678まで", "電話まで"),
        # Links to the organization's sites, or naming it, go; others stay.
        ("See https://acme.example/post.", "See."),
        ("See https://jobs.acme.example/a?b=1 and www.acme-mail.example/x", "See and"),
        ("See https://news.example/acme-leak", "See"),
        ("See https://cve.example/CVE-2027-1.", "See https://cve.example/CVE-2027-1."),
        # The domain alone names the organization.
        ("Hosted on acme.example.", "Hosted on the organization."),
        # Brackets emptied by a removal go too.
        ("Contact the desk (desk@acme.example).", "Contact the desk."),
        # Numbers that are no phone number stay.
        (
            "100 200 300 400 people, version 1.2.3, 12345 rows",
            "100 200 300 400 people, version 1.2.3, 12345 rows",
        ),
    ],
)
def test_emails_phones_and_our_links_are_removed(text: str, expected: str) -> None:
    assert shared(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("On 2027-03-04 it failed.", "On 2027-03 it failed."),
        ("At 2027-03-04T10:15:00+09:00.", "At 2027-03."),
        ("2027/3/4 and 2027.03.04", "2027-03 and 2027-03"),
        ("2027年3月4日に発生", "2027年3月に発生"),
        (
            "On March 4, 2027 and 4th March 2027 and 12 Dec. 2027",
            "On March 2027 and March 2027 and Dec. 2027",
        ),
        # Day and month cannot be told apart: the year only.
        ("On 04/03/2027", "On 2027"),
        # Months and what is no date stay.
        ("In 2027-03, in March 2027, 2027-13-40", "In 2027-03, in March 2027, 2027-13-40"),
    ],
)
def test_dates_are_kept_to_the_month(text: str, expected: str) -> None:
    assert shared(text) == expected


@pytest.mark.parametrize(
    ("count", "band"),
    [
        (0, "0"),
        (1, "1-9"),
        (9, "1-9"),
        (10, "10-99"),
        (99, "10-99"),
        (100, "100-999"),
        (999, "100-999"),
        (1000, "1000+"),
        (2_500_000, "1000+"),
    ],
)
def test_count_band(count: int, band: str) -> None:
    assert count_band(count) == band


def test_a_negative_count_is_refused() -> None:
    with pytest.raises(ValueError, match="0 or more"):
        count_band(-1)


def test_propose() -> None:
    proposal = propose(
        "Acme's TalentMatch rejected applicants",
        "On 2027-03-04 Taro Yamada (taro@acme.example) saw TalentMatch reject them.",
        [
            Harm(HarmType.fairness, HarmSeverity.serious, "Applicants to Acme", 240),
            Harm(HarmType.privacy, HarmSeverity.minor, "Yamada's team", 3),
        ],
        date(2027, 3, 1),
        ACME,
    )
    assert proposal.title == "The organization's the system rejected applicants"
    assert proposal.description == "On 2027-03 a person saw the system reject them."
    assert proposal.harms == (
        SharedHarm(
            HarmType.fairness, HarmSeverity.serious, "Applicants to the organization", "100-999"
        ),
        SharedHarm(HarmType.privacy, HarmSeverity.minor, "A person's team", "1-9"),
    )
    assert proposal.occurred == "2027-03"


def test_nothing_to_replace_without_identifiers() -> None:
    text = "The model ranked Acme applicants."
    assert shared(text, Identifiers()) == text
    assert identifying(text, Identifiers()) == []


@pytest.mark.parametrize(
    ("text", "identifiers", "found"),
    [
        ("The organization ranked applicants.", ACME, []),
        # An edit that brings a name back, in any case or width.
        ("The organization (Acme) ranked applicants.", ACME, ["Acme"]),
        (wide("acme") + ", ACME, Acme, Inc.", ACME, ["acme", "ACME", "Acme, Inc"]),
        (
            "TalentMatch by acme-hr, per Taro  Yamada",
            ACME,
            ["TalentMatch", "acme-hr", "Taro  Yamada"],
        ),
        ("Found in Acmeville", ACME, []),
        ("mail hr@other.example or call 03-1234-5678", ACME, ["hr@other.example", "03-1234-5678"]),
        ("https://jobs.acme.example/a", ACME, ["acme.example"]),
        # Japanese names, full and short, in any width.
        ("当該組織のタレントブリッジ株式会社", TALENT_BRIDGE, ["タレントブリッジ株式会社"]),
        ("ﾀﾚﾝﾄﾌﾞﾘｯｼﾞと山田太郎", TALENT_BRIDGE, ["タレントブリッジ", "山田太郎"]),
        ("当該システムの不具合", TALENT_BRIDGE, []),
    ],
)
def test_identifying(text: str, identifiers: Identifiers, found: list[str]) -> None:
    assert identifying(text, identifiers) == found


@pytest.mark.parametrize(
    ("text", "identifiers"),
    [
        ("Acme's TalentMatch: call Taro Yamada at +81 3 1234 5678 or ops@acme-mail.example", ACME),
        (f"See https://acme.example/x and {wide('ACME')}, Inc. on 2027-03-04 (acme-hr)", ACME),
        (
            "タレントブリッジ株式会社の採用アシスタントで山田 太郎が発見、電話03-1234-5678",
            TALENT_BRIDGE,
        ),
    ],
)
def test_a_proposal_names_no_one(text: str, identifiers: Identifiers) -> None:
    assert identifying(text, identifiers)
    assert identifying(shared(text, identifiers), identifiers) == []
