"""Day 0, the framework library: the site's operator installs the catalogues
agilegov ships. Version 1.1 of the AI Guidelines for Business is left for the day
it is published in the story (``outer_loop.new_guideline``)."""

from agilegov.demo.story import Story
from agilegov.library.service import install_shipped

LATER = ("aigb@1.1",)


def catalogues(story: Story) -> None:
    with story.at(0, 12):
        install_shipped(story.uow, story.people["operator"], leave_out=LATER)
