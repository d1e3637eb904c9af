"""Everything a handläggare or applicant reads, in Swedish, formatted one way everywhere.

- `numbers`: kronor, integers, percentages, decimals ("12 470 kr", "37,5 %", "0,1234").
- `dates`: months and dates ("november 2026", "2 december 2026").
- `words`: the robot's codes in Swedish words (roles, cost and income types, activities) and
  grammar helpers (lists with "och", plural agreement).
- `labels`: the report's names for outcomes, channels and districts.
- `casework`: statuses, decisions, queue states, event names and the application's field names,
  for the web app and the CLI.
- `notice`: the notice to the applicant.
- `casesystem`: a case-system errand's fields without a counterpart, and the decisions posted back on it.
- `parameters`: rule steps and parameters in words, for `robot explain` (not their dotted names).
"""
