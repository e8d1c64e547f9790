"""Reading outside incident data: MITRE ATLAS, AVID reports, the AI Incident Database's CSV."""

import json
from pathlib import Path

import pytest
import yaml

from agilegov.commons import sources
from agilegov.commons.sources import (
    avid_harm_type,
    read_aiid_csv,
    read_atlas,
    read_avid,
    slug,
)
from agilegov.errors import InvalidInput, TooLarge

INCIDENTS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "incidents"
ATLAS = INCIDENTS / "atlas" / "ATLAS.yaml"
AVID_REPORTS = INCIDENTS / "avid" / "reports"


def shared_file(path: Path) -> bytes:
    if not path.exists():
        pytest.skip(f"{path} is absent")
    return path.read_bytes()


def avid_reports() -> list[Path]:
    if not AVID_REPORTS.is_dir():
        pytest.skip(f"{AVID_REPORTS} is absent")
    return sorted(AVID_REPORTS.glob("*.json"))


def field_of(error: pytest.ExceptionInfo[InvalidInput]) -> str:
    assert len(error.value.problems) == 1
    return error.value.problems[0].field


def atlas_file(*studies: dict[str, object]) -> bytes:
    return yaml.safe_dump({"id": "ATLAS", "case-studies": list(studies)}).encode()


def case_study(study_id: str = "AML.CS0001", **fields: object) -> dict[str, object]:
    return {
        "id": study_id,
        "name": "Model evasion",
        "summary": "A detector was evaded.",
        "incident-date": "2021-03-04",
        "incident-date-granularity": "DATE",
        "procedure": [{"tactic": "AML.TA0001", "technique": "AML.T0043"}],
    } | fields


def avid_report(**fields: object) -> dict[str, object]:
    return {
        "data_type": "AVID",
        "data_version": "0.2",
        "metadata": {"report_id": "AVID-2023-R0009"},
        "affects": {"artifacts": [{"type": "Model", "name": "some-model"}]},
        "problemtype": {"description": {"lang": "eng", "value": "Biased completions"}},
        "description": {"lang": "eng", "value": "Completions were biased."},
        "impact": {"avid": {"sep_view": ["E0101: Group fairness"]}},
        "reported_date": "2023-02-14",
    } | fields


AIID_HEADER = (
    "_id,incident_id,date,reports,Alleged deployer of AI system,"
    "Alleged developer of AI system,Alleged harmed or nearly harmed parties,description,title"
)
# The columns the reader needs, and no others.
COLUMNS = "incident_id,date,title,description"


# MITRE ATLAS


def test_atlas_reads_every_case_study_with_its_licence() -> None:
    incidents = read_atlas(shared_file(ATLAS))

    assert len(incidents) == 57
    assert {incident.licence for incident in incidents} == {"Apache-2.0"}
    assert all("MITRE" in incident.attribution for incident in incidents)
    assert all(incident.harm_types == ("security",) for incident in incidents)
    assert len({incident.source_id for incident in incidents}) == 57


def test_atlas_techniques_are_those_of_the_procedure() -> None:
    data = shared_file(ATLAS)
    study = next(s for s in yaml.safe_load(data)["case-studies"] if s["id"] == "AML.CS0000")
    incident = next(i for i in read_atlas(data) if i.source_id == "AML.CS0000")

    assert incident.techniques == tuple(dict.fromkeys(s["technique"] for s in study["procedure"]))
    assert incident.title == study["name"]
    assert incident.url == "https://atlas.mitre.org/studies/AML.CS0000"


@pytest.mark.parametrize(
    ("date", "granularity", "occurred"),
    [
        ("2020-01-01", "YEAR", "2020"),
        ("2021-06-01", "MONTH", "2021-06"),
        ("2022-11-17", "DATE", "2022-11"),
    ],
)
def test_atlas_dates_are_coarsened_to_what_is_known(
    date: str, granularity: str, occurred: str
) -> None:
    study = case_study(**{"incident-date": date, "incident-date-granularity": granularity})

    assert read_atlas(atlas_file(study))[0].occurred == occurred


def test_atlas_techniques_are_distinct_in_order_of_use() -> None:
    steps = [{"technique": t} for t in ("AML.T0051.001", "AML.T0043", "AML.T0051.001")]

    incident = read_atlas(atlas_file(case_study(procedure=steps)))[0]

    assert incident.techniques == ("AML.T0051.001", "AML.T0043")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (b"case-studies: [unclosed", "ATLAS.yaml"),
        (b"- just\n- a list\n", "ATLAS.yaml"),
        (b"id: ATLAS\n", "case-studies"),
        (atlas_file(case_study(), {"name": "No id"}), "case-studies[1].id"),
        (atlas_file(case_study("CS-1")), "case-studies[0].id"),
        (atlas_file(case_study(name="")), "case-studies[0].name"),
        (
            atlas_file(case_study(**{"incident-date": "2021-13-01"})),
            "case-studies[0].incident-date",
        ),
        (
            atlas_file(case_study(**{"incident-date": "last spring"})),
            "case-studies[0].incident-date",
        ),
        (
            atlas_file(case_study(**{"incident-date-granularity": "WEEK"})),
            "case-studies[0].incident-date-granularity",
        ),
        (
            atlas_file(case_study(procedure=[{"technique": "T1059"}])),
            "case-studies[0].procedure[0].technique",
        ),
        (atlas_file(case_study(procedure="steps")), "case-studies[0].procedure"),
        (atlas_file(case_study(), case_study()), "case-studies[1].id"),
        (b"[" * 100_000 + b"]" * 100_000, "ATLAS.yaml"),
        (b"case-studies: &loop [*loop]", "case-studies[0]"),
    ],
)
def test_bad_atlas_files_are_refused_naming_the_field(data: bytes, field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        read_atlas(data)

    assert field_of(error) == field


def test_atlas_over_the_row_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "MAX_ROWS", 2)
    studies = [case_study(f"AML.CS000{n}") for n in range(3)]

    with pytest.raises(TooLarge) as error:
        read_atlas(atlas_file(*studies))

    assert field_of(error) == "case-studies"


# AVID


def test_avid_reports_all_read_with_their_licence() -> None:
    paths = avid_reports()

    incidents = [read_avid(path.read_bytes()) for path in paths]

    assert len(incidents) == 33
    assert {incident.licence for incident in incidents} == {"MIT"}
    assert [incident.source_id for incident in incidents] == [path.stem for path in paths]
    assert all(incident.title and incident.occurred for incident in incidents)


def test_avid_report_fields_carry_over() -> None:
    path = AVID_REPORTS / "AVID-2022-R0001.json"
    incident = read_avid(shared_file(path))

    assert incident.occurred == "2022-11"
    assert incident.harm_types == ("fairness",)
    assert incident.system_kinds == ("model",)
    assert incident.title.startswith("Gender Bias in Sentence Completion")
    assert "Harry Saini" in incident.attribution
    assert incident.attribution.startswith("AI Vulnerability Database (AVID)")


@pytest.mark.parametrize(
    ("code", "harm_type"),
    [
        ("S0100", "security"),
        ("S0403", "security"),
        ("E0100", "fairness"),
        ("E0101", "fairness"),
        ("E0201", "transparency"),
        ("E0301", "societal"),
        ("E0402", "societal"),
        ("P0300", "privacy"),
        ("P0402", "safety"),
        ("P0204", "other"),
        ("P0100", "other"),
        ("E0500", "other"),
    ],
)
def test_avid_codes_map_to_harm_types(code: str, harm_type: str) -> None:
    assert avid_harm_type(code) == harm_type


def test_avid_harm_types_are_distinct() -> None:
    sep_view = ["S0100: Software Vulnerability", "S0201: Model Compromise", "P0402: Physical"]
    report = avid_report(impact={"avid": {"sep_view": sep_view}})

    assert read_avid(json.dumps(report).encode()).harm_types == ("security", "safety")


def test_avid_title_falls_back_to_the_artifacts() -> None:
    report = avid_report(problemtype={"classof": "LLM Evaluation"})

    assert read_avid(json.dumps(report).encode()).title == "some-model"


@pytest.mark.parametrize(
    ("text", "kind"),
    [("Model", "model"), ("Large Language Model", "large-language-model"), ("---", "")],
)
def test_system_kinds_are_slugs(text: str, kind: str) -> None:
    assert slug(text) == kind


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (b"<report/>", "report"),
        (json.dumps(avid_report())[:-20].encode(), "report"),
        (b"[]", "report"),
        (b"[" * 100_000 + b"]" * 100_000, "report"),
        (json.dumps(avid_report(data_type="CVE")).encode(), "data_type"),
        (json.dumps(avid_report(metadata={})).encode(), "metadata.report_id"),
        (json.dumps(avid_report(reported_date="2023-02-30")).encode(), "reported_date"),
        (json.dumps(avid_report(reported_date=None)).encode(), "reported_date"),
        (
            json.dumps(avid_report(impact={"avid": {"sep_view": ["fairness"]}})).encode(),
            "impact.avid.sep_view[0]",
        ),
        (
            json.dumps(avid_report(problemtype={}, affects={})).encode(),
            "problemtype.description.value",
        ),
    ],
)
def test_bad_avid_reports_are_refused_naming_the_field(data: bytes, field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        read_avid(data)

    assert field_of(error) == field


def test_too_large_input_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "MAX_INPUT_BYTES", 100)

    with pytest.raises(TooLarge) as error:
        read_avid(json.dumps(avid_report()).encode())

    assert field_of(error) == "file"


# The AI Incident Database


def test_aiid_csv_rows_are_read() -> None:
    data = "\n".join(
        [
            AIID_HEADER,
            'a1,1,2015-05-19,"[1,2]","[""youtube""]","[""youtube""]","[""children""]",'
            '"Videos, unsuitable for children, were recommended.",Unsuitable videos recommended',
            'a2,2,2018-12-05,[3],[],[],[],"採用のAIが、女性の応募者を不利に扱った。",採用AIの偏り',
        ]
    ).encode()

    incidents = read_aiid_csv(data)

    assert [incident.source_id for incident in incidents] == ["1", "2"]
    assert incidents[0].description == "Videos, unsuitable for children, were recommended."
    assert incidents[0].occurred == "2015-05"
    assert incidents[1].title == "採用AIの偏り"
    assert incidents[1].description == "採用のAIが、女性の応募者を不利に扱った。"
    assert incidents[1].url == "https://incidentdatabase.ai/cite/2"
    assert {incident.licence for incident in incidents} == {"CC-BY-SA-4.0"}
    assert {incident.attribution for incident in incidents} == {
        "AI Incident Database (incidentdatabase.ai)"
    }


def test_aiid_csv_with_a_byte_order_mark_is_read() -> None:
    data = "\ufeffincident_id,date,title,description\n7,2020-02-03,A title,\n".encode()

    assert read_aiid_csv(data)[0].source_id == "7"


@pytest.mark.parametrize(
    ("rows", "field"),
    [
        (["incident_id,date,description", "1,2020-01-01,x"], "incidents.csv"),
        (["", ""], "incidents.csv"),
        ([COLUMNS, "1,2020-01-01,A,x", "1,2020-02-01,B,y"], "row 3: incident_id"),
        ([COLUMNS, "1,2020-01-01,A,x", "two,2020-02-01,B,y"], "row 3: incident_id"),
        ([COLUMNS, "1,yesterday,A,x"], "row 2: date"),
        ([COLUMNS, "1,2020-01-01,,x"], "row 2: title"),
        ([COLUMNS, "1,2020-01-01,A,x,extra"], "row 2"),
        ([COLUMNS, "1,2020-01-01,A,x", f'2,2020-01-01,A,"{"x" * 200_000}"'], "row 3"),
        (['"' + "x" * 200_000], "row 1"),
    ],
)  # fmt: skip
def test_bad_aiid_csv_is_refused_naming_the_row(rows: list[str], field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        read_aiid_csv("\n".join(rows).encode())

    assert field_of(error) == field


def test_aiid_csv_not_utf8_is_refused() -> None:
    with pytest.raises(InvalidInput) as error:
        read_aiid_csv(f"{COLUMNS}\n1,2020-01-01,Café,x\n".encode("latin-1"))

    assert field_of(error) == "incidents.csv"


def test_aiid_csv_over_the_row_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "MAX_ROWS", 2)
    rows = [f"{n},2020-01-01,Title {n},x" for n in range(1, 4)]

    with pytest.raises(TooLarge):
        read_aiid_csv("\n".join([COLUMNS, *rows]).encode())


def test_the_input_size_limit_is_20_mib_and_10000_rows() -> None:
    assert sources.MAX_INPUT_BYTES == 20 * 1024 * 1024
    assert sources.MAX_ROWS == 10_000
