"""The words of the commons: what an incident is, what it harmed and how badly,
under which licence a shared incident is published and where it came from.
Pure: no I/O."""

import re
from enum import StrEnum


class IncidentKind(StrEnum):
    incident = "incident"  # harm happened
    near_miss = "near_miss"  # harm was about to happen and was stopped
    hazard = "hazard"  # a condition that could lead to harm


class HarmType(StrEnum):
    """The areas of the risk register's impacts (``ImpactArea``), so that a
    harm is matched against the risks of the same area."""

    privacy = "privacy"
    safety = "safety"
    security = "security"
    fairness = "fairness"
    transparency = "transparency"
    human_rights = "human_rights"
    environment = "environment"
    convenience = "convenience"
    efficiency = "efficiency"
    economic = "economic"
    societal = "societal"
    other = "other"


class HarmSeverity(StrEnum):
    minor = "minor"
    moderate = "moderate"
    serious = "serious"
    fatal = "fatal"


class Licence(StrEnum):
    apache_2_0 = "Apache-2.0"  # MITRE ATLAS
    mit = "MIT"  # AVID
    cc_by_sa_4_0 = "CC-BY-SA-4.0"  # the AI Incident Database
    cc_by_4_0 = "CC-BY-4.0"  # incidents shared on the platform


class Source(StrEnum):
    platform = "platform"
    atlas = "atlas"
    avid = "avid"
    aiid = "aiid"


# Incidents organizations share on the platform are published under CC BY 4.0.
PLATFORM_LICENCE = Licence.cc_by_4_0

# A system kind is a free slug ("llm", "ranking", "recruitment"); use fullmatch.
SYSTEM_KIND = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
