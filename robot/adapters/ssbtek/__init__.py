"""SSBTEK (Sammansatt bastjänst ekonomiskt bistånd) over its real SOAP 1.1 contract: v11 (in force), or v10.

- `soap`: the framing and the two contract versions (`Contract`: `V11` default, `V10` by
  ROBOT_SSBTEK_PROTOCOL).
- `client.SoapRegisterSource`: asks SSBTEK (ROBOT_SSBTEK_URL), over `adapters.http` (aiohttp);
  the worker uses it composed with the activity providers and, optionally, a separate
  employer-declaration source (`robot.adapters.composed`).
- `request`, `response`: the questions and the answers; one decoder per agency's part, in its real
  form: `af` (AF's registration and report date), `csn` (CSNSvar XML), `lefi` (Försäkringskassan's
  and Pensionsmyndigheten's Lefi v9 JSON), `skv_parts` (Skatteverket's v11 parts, each on its own;
  the declarations' assumed shape in `individuppgifter`), `skv` (v10's yearly assessment), `so` (the
  a-kassor).
- `codes`: every agency code the decoders interpret, and how sure we are of it (the one place).
- `simulator`: the contract served from a register/1 file, with fault injection; `loadtest`
  measures the adapter against it.
- `contract/`: the WSDL, XSDs and Lefi OpenAPI (MIT, Sundsvalls kommun; contract/LICENSE-Sundsvalls-kommun.txt).

See docs/ssbtek.md.
"""
