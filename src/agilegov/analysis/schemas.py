from datetime import date, datetime
from enum import StrEnum

from pydantic import Field, computed_field

from agilegov.analysis.risk_matrix import RiskLevel, risk_level, risk_score
from agilegov.analysis.scales import Likelihood, Magnitude, Severity
from agilegov.i18n import N_
from agilegov.schemas import Input, LongText, Name, Output, ShortText, partial_model


class StakeholderCategory(StrEnum):
    data_provider = "data_provider"
    data_processor = "data_processor"
    service_provider = "service_provider"
    hardware_manufacturer = "hardware_manufacturer"
    regulator = "regulator"
    user = "user"
    non_user_public = "non_user_public"
    insurer = "insurer"
    employee = "employee"
    community = "community"
    assessor = "assessor"
    other = "other"


class StakeholderCreate(Input):
    name: Name
    category: StakeholderCategory
    description: LongText = ""
    interests: LongText = ""
    organization_id: int | None = Field(
        default=None, description=N_("The organization this stakeholder is, if it is one here.")
    )


StakeholderUpdate = partial_model(StakeholderCreate)


class StakeholderRead(Output):
    id: int
    scope_id: int
    name: str
    category: StakeholderCategory
    description: str
    interests: str
    organization_id: int | None
    created_at: datetime
    updated_at: datetime


class ImpactNature(StrEnum):
    positive = "positive"
    negative = "negative"


class ImpactArea(StrEnum):
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


class ImpactCreate(Input):
    stakeholder_id: int
    title: Name
    nature: ImpactNature
    area: ImpactArea
    description: LongText = ""
    magnitude: Magnitude = Field(description=N_("How much it changes for the stakeholder."))


ImpactUpdate = partial_model(ImpactCreate)


class ImpactRead(Output):
    id: int
    scope_id: int
    stakeholder_id: int
    title: str
    nature: ImpactNature
    area: ImpactArea
    description: str
    magnitude: int
    created_at: datetime
    updated_at: datetime


class ConditionCategory(StrEnum):
    regulation = "regulation"
    technology = "technology"
    social_acceptance = "social_acceptance"
    proficiency = "proficiency"
    market = "market"
    other = "other"


class ConditionCreate(Input):
    title: Name
    category: ConditionCategory
    description: LongText = ""
    source: ShortText = Field(min_length=1, description=N_("Where the fact comes from."))
    review_by: date = Field(
        description=N_(
            "The date by which the condition is checked again; once passed, a trigger opens."
        )
    )


ConditionUpdate = partial_model(ConditionCreate)


class ConditionRead(Output):
    id: int
    scope_id: int
    title: str
    category: ConditionCategory
    description: str
    source: str
    review_by: date
    created_at: datetime
    updated_at: datetime


class Treatment(StrEnum):
    mitigate = "mitigate"
    avoid = "avoid"
    transfer = "transfer"
    accept = "accept"


class RiskCreate(Input):
    title: Name
    description: LongText = ""
    inherent_likelihood: Likelihood
    inherent_severity: Severity
    residual_likelihood: Likelihood
    residual_severity: Severity
    treatment: Treatment
    treatment_note: LongText = ""
    impact_ids: list[int] = Field(default_factory=list, max_length=200)
    condition_ids: list[int] = Field(default_factory=list, max_length=200)


RiskUpdate = partial_model(RiskCreate)


class RiskRead(Output):
    id: int
    scope_id: int
    title: str
    description: str
    inherent_likelihood: int
    inherent_severity: int
    residual_likelihood: int
    residual_severity: int
    treatment: Treatment
    treatment_note: str
    impact_ids: list[int]
    condition_ids: list[int]
    created_at: datetime
    updated_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def inherent_score(self) -> int:
        return risk_score(self.inherent_likelihood, self.inherent_severity)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def inherent_level(self) -> RiskLevel:
        return risk_level(self.inherent_likelihood, self.inherent_severity)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def residual_score(self) -> int:
        return risk_score(self.residual_likelihood, self.residual_severity)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def residual_level(self) -> RiskLevel:
        return risk_level(self.residual_likelihood, self.residual_severity)
