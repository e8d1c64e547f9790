from agilegov.cli import app

app(prog_name="agilegov")
