"""What-if: re-running stored verdicts, to check them or to try changed rules. Read-only.

    replay.py      re-run one stored verdict from its recorded inputs and ruleset: identical?
    simulate.py    re-run a month under a changed rules folder and count what would change
"""
