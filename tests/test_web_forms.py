"""Forms from the API's shapes, alone: which input each field becomes, and what
a submitted form gives the shape to validate."""

from datetime import date

import pytest
from pydantic import ValidationError
from starlette.datastructures import FormData

from agilegov.analysis.schemas import RiskCreate, StakeholderCreate
from agilegov.design.schemas import MeasureCreate
from agilegov.errors import InvalidInput
from agilegov.goals.schemas import GoalCreate, GoalUpdate, IndicatorCreate
from agilegov.web.forms import FormState, form_fields, label_of, problems_of, values_from_form


def _by_name(fields):  # type: ignore[no-untyped-def]
    return {field.name: field for field in fields}


def test_each_field_becomes_the_input_its_type_calls_for() -> None:
    fields = _by_name(form_fields(GoalCreate, choices={"parent_id": [("1", "Fairness")]}))
    assert fields["title"].widget == "text" and fields["title"].required
    assert fields["description"].widget == "textarea" and not fields["description"].required
    assert fields["level"].widget == "select"
    assert ("specific", "Specific") in fields["level"].options
    assert fields["direction"].options[0] == ("", "—")  # optional: may be left empty
    assert (
        fields["acceptable_level"].widget == "number" and fields["acceptable_level"].step == "any"
    )
    assert fields["review_by"].widget == "date"
    assert fields["parent_id"].widget == "select" and fields["parent_id"].options[-1] == (
        "1",
        "Fairness",
    )
    assert fields["derives_from_id"].widget == "number" and fields["derives_from_id"].step == "1"


def test_lists_and_flags_have_their_own_inputs() -> None:
    measure = _by_name(form_fields(MeasureCreate, choices={"risk_ids": [("4", "Bias")]}))
    assert measure["requirements"].widget == "lines"
    assert measure["risk_ids"].widget == "multiselect"
    indicator = _by_name(form_fields(IndicatorCreate))
    assert indicator["allow_non_finite"].widget == "checkbox"
    assert indicator["window_days"].minimum == 1 and indicator["window_days"].maximum == 3660
    risk = _by_name(form_fields(RiskCreate))
    assert risk["inherent_likelihood"].minimum == 1 and risk["inherent_likelihood"].maximum == 5


def test_fields_show_given_values_defaults_and_errors() -> None:
    fields = _by_name(
        form_fields(
            MeasureCreate,
            {"title": "Audit", "requirements": ["fw@1#1.1", "fw@1#2.3"], "risk_ids": [4]},
            errors={"title": "is taken"},
        )
    )
    assert fields["title"].text == "Audit" and fields["title"].error == "is taken"
    assert fields["requirements"].text == "fw@1#1.1\nfw@1#2.3"
    assert fields["risk_ids"].chosen == {"4"}
    assert fields["status"].text == "planned"  # the shape's default
    assert (
        _by_name(form_fields(GoalCreate, {"acceptable_level": 0.8}))["acceptable_level"].text
        == "0.8"
    )
    assert (
        _by_name(form_fields(GoalCreate, {"acceptable_level": 5.0}))["acceptable_level"].text == "5"
    )


def test_omitted_fields_are_not_shown() -> None:
    names = {f.name for f in form_fields(GoalCreate, omit=("change_note", "derives_from_id"))}
    assert "change_note" not in names and "title" in names


def test_a_submitted_form_becomes_values_for_the_shape() -> None:
    form = FormData(
        [
            ("kind", "technology"),
            ("title", "  Audit  "),
            ("requirements", "aigb@1.1#C-1) ①\r\n\r\niso-iec-42001@2023#6.1\n"),
            ("risk_ids", "4"),
            ("risk_ids", "7"),
            ("rule_layer", ""),
        ]
    )
    values = values_from_form(MeasureCreate, form)
    assert values["requirements"] == ["aigb@1.1#C-1) ①", "iso-iec-42001@2023#6.1"]
    assert values["risk_ids"] == ["4", "7"]
    assert values["rule_layer"] is None  # empty and nullable: no value
    assert values["goal_ids"] == []
    assert "status" not in values  # not on the form: the shape's default applies
    measure = MeasureCreate.model_validate(values)
    assert measure.title == "Audit" and measure.risk_ids == [4, 7]


def test_unticked_boxes_are_false_and_ticked_true() -> None:
    assert values_from_form(IndicatorCreate, FormData([]))["allow_non_finite"] is False
    ticked = values_from_form(IndicatorCreate, FormData([("allow_non_finite", "true")]))
    assert ticked["allow_non_finite"] is True


def test_an_empty_required_field_is_refused_by_the_shape_not_dropped() -> None:
    values = values_from_form(StakeholderCreate, FormData([("name", " "), ("category", "user")]))
    with pytest.raises(ValidationError) as refused:
        StakeholderCreate.model_validate(values)
    assert "name" in problems_of(refused.value)


def test_an_update_form_leaves_a_cleared_optional_level_null() -> None:
    values = values_from_form(GoalUpdate, FormData([("title", "Fair"), ("target", "")]))
    assert values["target"] is None
    assert GoalUpdate.model_validate(values).target is None


def test_problems_name_their_fields() -> None:
    with pytest.raises(ValidationError) as refused:
        RiskCreate.model_validate({"title": "x", "inherent_likelihood": 9})
    problems = problems_of(refused.value, RiskCreate)
    assert problems["inherent_likelihood"] == "Enter a whole number from 1 to 5"
    assert "treatment" in problems
    assert problems_of(InvalidInput.on("target", "too low")) == {"target": "too low"}
    state = FormState(form_fields(RiskCreate), {"title": "bad", "somewhere": "else"})
    assert state.general_errors == ["else"]


@pytest.mark.parametrize(
    ("name", "label"),
    [("acceptable_level", "Acceptable level"), ("goal_ids", "Goals"), ("parent_id", "Parent")],
)
def test_labels_read_as_words(name: str, label: str) -> None:
    assert label_of(name) == label


def test_dates_pass_through_as_text_for_the_shape() -> None:
    values = values_from_form(GoalCreate, FormData([("review_by", "2027-03-01")]))
    assert values["review_by"] == "2027-03-01"
    assert GoalCreate.model_validate(
        {**values, "title": "t", "level": "core_value"}
    ).review_by == date(2027, 3, 1)
