"""The parts of agilegov, in order: the one list every hub loops over.

Order matters where one part's pages or sections build on another's: the scope
page's tabs are served before the kinds' own pages, and a scope's export lists
each part's section after the sections it refers to (the cycle's triggers name
entities of every part before it). To add a part, add its line here (see
docs/architecture.md).
"""

from agilegov import part
from agilegov.analysis.part import PART as analysis
from agilegov.assurance.part import PART as assurance
from agilegov.commons.part import PART as commons
from agilegov.cycle.part import PART as cycle
from agilegov.design.part import PART as design
from agilegov.dialogue.part import PART as dialogue
from agilegov.disclosure.part import PART as disclosure
from agilegov.goals.part import PART as goals
from agilegov.library.part import PART as library
from agilegov.monitor.part import PART as monitor
from agilegov.notify.part import PART as notify
from agilegov.organizations.part import PART as organizations
from agilegov.record.part import PART as record
from agilegov.regulation.part import PART as regulation
from agilegov.remedy.part import PART as remedy
from agilegov.scopes.part import PART as scopes
from agilegov.trust.part import PART as trust

PARTS: tuple[part.Part, ...] = (
    organizations,
    scopes,
    library,
    analysis,
    goals,
    design,
    monitor,
    cycle,
    notify,
    record,
    trust,
    assurance,
    dialogue,
    remedy,
    # After dialogue: an evaluation names the consultation that heard users.
    regulation,
    # After regulation: an incident is reported on a regulator's channel.
    commons,
    # Last: a transparency report and the open data gather every part's.
    disclosure,
)

part.install(PARTS)
