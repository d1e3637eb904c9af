"""SSBTEK (Sammansatt bastjänst ekonomiskt bistånd) over its real SOAP 1.1 contract (v10).

- `client.SoapRegisterSource`: the register source the robot uses (ROBOT_SSBTEK_URL), over
  `transport.KeepAliveTransport`.
- `request`, `response`: the questions and answers; `af`, `so`: AF's and the a-kassor's published
  answer forms; `payloads`: the one place for the forms SSBTEK does not publish (FK, CSN, SKV).
- `simulator`: the contract served from a register/1 file, with fault injection; `loadtest`
  measures the adapter against it.
- `contract/`: the WSDL and XSDs (MIT, Sundsvalls kommun; see contract/LICENSE-Sundsvalls-kommun.txt).

See docs/ssbtek.md.
"""
