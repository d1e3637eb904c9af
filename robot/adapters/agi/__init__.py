"""Employer declarations (arbetsgivardeklaration på individnivå, AGI): monthly pay and tax withheld.

Since 1 December 2025 (prop. 2024/25:179) a socialnämnd may get, from Skatteverket, what employers
declare each month per person: gross cash pay and preliminary tax withheld. SSBTEK v11 carries it
(Skatteverket's `individuppgifter`, `robot.adapters.ssbtek.individuppgifter`); v10 does not. This
package is the optional second source, for a v10 provider or a delivery apart from SSBTEK (when
configured, ROBOT_AGI_URL, its pay replaces SSBTEK's):

- `wire`: the assumed question and answer (JSON over HTTPS, fields named after the AGI boxes),
  the ONE module to rewrite when the real delivery is known;
- `client.AgiSource`: asks it per person, with retries, over mutual TLS;
- `simulator`: serves `register/1` SKV `lon` incomes in that form.

register/1 models what it gives as SKV `lon` with `tax_withheld`. See docs/ssbtek.md.
"""
