"""The case system: Sundsvall's caremanagement (errands in, decisions back) and the party service, behind
the municipality's API gateway. docs/caremanagement.md.

    gateway.py         OAuth2 client credentials (authlib, httpx), optional mutual TLS, timeouts, size bounds
    caremanagement.py  the calls the robot makes: find and read errands, list and create decisions, legalIds
    mapping.py         the one mapping table: FinancialAssistanceView → ansokan/1, what has no counterpart listed
    decisions.py       outbox records (forslag/1, beslut/1) as Decisions, with the record's id for redelivery
    contract.py        checking a call against the published OpenAPI description (stub and tests; jsonschema)
    stub.py            a local gateway + caremanagement + party that checks every call (`robot casesystem stub`)
    stub_data.py       synthetic renewal errands, their persons and Lifecare history, and a register/1 for them
    contract/          caremanagement's OpenAPI 3.1 description (MIT, Sundsvalls kommun; LICENSE-caremanagement)
"""
