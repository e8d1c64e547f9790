"""Days 54-56, operation (運用): the go-live review, the move to operation, the
scope made public, and the monitoring pipeline switched on."""

from agilegov.cycle.rules import Stage
from agilegov.demo.data import screening_series
from agilegov.demo.story import Feed, Story
from agilegov.design.service import MEASURE
from agilegov.scopes.schemas import ScopeUpdate
from agilegov.scopes.service import update_scope


def go_live(story: Story) -> None:
    scope = "screening"
    with story.at(54):
        story.review(
            "audit",
            scope,
            "Go-live review: measures in place for every goal.",
            [
                "Approve go-live for all clients.",
                "Plan the FairBench audit for the first year of operation.",
            ],
            [
                "Pre-launch fairness test on 40,000 past applications: ratio 0.91",
                "Explanation coverage test: 99.8%",
            ],
            [
                story.version_of("measure.bias_monitoring", MEASURE, 2),
                story.version_of("measure.explanations", MEASURE, 2),
                story.version_of("measure.review_desk", MEASURE, 2),
            ],
        )
    with story.at(56):
        story.move("lead", scope, Stage.operation, "go-live")
        # TalentBridge discloses its governance from the first day of operation.
        update_scope(
            story.uow, story.people["lead"], story.scopes[scope], ScopeUpdate(visibility="public")
        )
    story.feeds[scope] = Feed(
        story.scopes[scope],
        story.people["analyst"],
        "talentbridge-monitoring",
        screening_series(),
    )
