"""The remedy part's open data: complaint figures of published scopes per
quarter, never a complaint itself."""

from agilegov.open_tables import FigureTable
from agilegov.remedy.service import OPEN_FIGURE_COLUMNS, open_figures

TABLES = [FigureTable("complaint_statistics", OPEN_FIGURE_COLUMNS, open_figures)]
