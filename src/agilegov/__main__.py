from agilegov.cli import main

main()
