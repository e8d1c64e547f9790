"""The double loop as a picture: its steps' geometry, with the current stage
lit, as plain numbers for the templates. No I/O."""

from dataclasses import dataclass

from agilegov.cycle.rules import STAGE_NAMES, Stage
from agilegov.i18n import N_, Lazy


@dataclass(frozen=True)
class LoopNode:
    key: str
    label: str | Lazy
    note: str
    x: int
    y: int
    loop: str  # "outer", "inner" or "both": the colour it is drawn in
    current: bool

    width: int = 132
    height: int = 50

    @property
    def left(self) -> int:
        return self.x - self.width // 2

    @property
    def top(self) -> int:
        return self.y - self.height // 2


# The six steps of the guide's cycle, where they sit in a 640 x 360 picture.
# "improvement" is no stage of its own: it is the inner loop's way back from
# evaluation to design, lit while a redesign it started is under way.
# Labels and notes are marked texts, translated where the picture is drawn.
_STEPS: tuple[tuple[str, str | Lazy, str, int, int, str], ...] = (
    ("analysis", STAGE_NAMES[Stage.analysis], N_("conditions and risks"), 96, 180, "outer"),
    ("goals", STAGE_NAMES[Stage.goals], N_("acceptable levels"), 250, 52, "outer"),
    ("design", STAGE_NAMES[Stage.design], N_("measures"), 430, 52, "both"),
    ("operation", STAGE_NAMES[Stage.operation], N_("monitoring"), 560, 180, "inner"),
    ("evaluation", STAGE_NAMES[Stage.evaluation], N_("review, evidence"), 430, 308, "both"),
    ("improvement", N_("Improvement"), N_("inner loop"), 330, 180, "inner"),
)


@dataclass(frozen=True)
class LoopDiagram:
    nodes: tuple[LoopNode, ...]
    stage: str
    inner_iterations: int
    outer_iterations: int

    @property
    def current(self) -> LoopNode:
        """The step lit: the picture's description names it."""
        return next(node for node in self.nodes if node.current)


def loop_diagram(
    stage: Stage | str, inner_iterations: int, outer_iterations: int, last_loop: str | None
) -> LoopDiagram:
    """The double loop with the current stage lit. ``last_loop`` is the loop the
    last completed move closed (None for a step within one pass): a design
    stage reached by the inner loop shows as improvement."""
    stage = Stage(stage)
    lit = "improvement" if stage is Stage.design and last_loop == "inner" else stage.value
    nodes = tuple(
        LoopNode(key, label, note, x, y, loop, current=(key == lit))
        for key, label, note, x, y, loop in _STEPS
    )
    return LoopDiagram(nodes, stage.value, inner_iterations, outer_iterations)
