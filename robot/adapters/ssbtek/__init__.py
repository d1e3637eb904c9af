"""SSBTEK (Sammansatt bastjänst ekonomiskt bistånd) over its real SOAP 1.1 contract (v10).

- `client.SoapRegisterSource`: asks SSBTEK (ROBOT_SSBTEK_URL), over `adapters.http` (aiohttp);
  the worker uses it composed with the employer declarations and the activity providers
  (`robot.adapters.composed`).
- `request`, `response`: the questions and the answers; one decoder per agency's part, in its real
  form: `af` (AF's registration and report date), `csn` (CSNSvar XML), `lefi` (Försäkringskassan's
  and Pensionsmyndigheten's Lefi v9 JSON), `skv` (the yearly assessment), `so` (the a-kassor).
- `codes`: every agency code the decoders interpret, and how sure we are of it (the one place).
- `simulator`: the contract served from a register/1 file, with fault injection; `loadtest`
  measures the adapter against it.
- `contract/`: the WSDL, XSDs and Lefi OpenAPI (MIT, Sundsvalls kommun; contract/LICENSE-Sundsvalls-kommun.txt).

See docs/ssbtek.md.
"""
