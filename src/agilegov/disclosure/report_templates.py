"""The templates a transparency report is composed by: which sections, in which
order, under which titles (Japanese and English, as the published document
carries both). Pure data; ``compose`` fills the sections from the facts."""

from dataclasses import dataclass

# The library's catalogue of the HAIP reporting framework, whose seven
# sections the ``haip`` template follows.
HAIP_CATALOGUE = "haip-reporting@2025"
# The framework whose requirements the ``aigb_checklist`` template goes through.
AIGB_FRAMEWORK = "aigb"


@dataclass(frozen=True)
class Title:
    ja: str
    en: str

    def as_json(self) -> dict[str, str]:
        return {"ja": self.ja, "en": self.en}


# The general sections, in the order the ``general`` template shows them; each
# is filled by the reader of the same key in ``compose``.
GENERAL: tuple[tuple[str, Title], ...] = (
    ("goals", Title("目標と許容水準", "Goals and acceptable levels")),
    ("indicators", Title("指標の結果と逸脱", "Indicators: results and breaches")),
    ("measures", Title("対策とその変更", "Measures and their changes")),
    ("reviews", Title("レビューと改善サイクル", "Reviews and improvement loops")),
    ("consultations", Title("意見募集と意見の反映", "Consultations and what became of the input")),
    ("complaints", Title("苦情の統計", "Complaint statistics")),
    ("incidents", Title("インシデント", "Incidents")),
    ("assessments", Title("評価と証明", "Assessments and attestations")),
    ("applicability", Title("適用宣言書", "Statement of applicability")),
)

# Which general sections' figures and items answer each HAIP section (by the
# section's ref_id in the catalogue); a section with none is the author's text only.
HAIP_SOURCES: dict[str, tuple[str, ...]] = {
    "1": ("indicators", "assessments"),
    "2": ("goals", "measures"),
    "3": ("applicability",),
    "4": ("reviews", "incidents", "complaints"),
    "5": (),
    "6": (),
    "7": ("consultations",),
}

TEMPLATES: dict[str, Title] = {
    "general": Title("透明性報告書", "Transparency report"),
    "haip": Title(
        "HAIP報告枠組みによる透明性報告書", "Transparency report (HAIP Reporting Framework)"
    ),
    "aigb_checklist": Title(
        "AI事業者ガイドライン チェックリスト", "AI Guidelines for Business checklist"
    ),
}
