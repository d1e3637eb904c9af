"""Every reason code, defined once. Their Swedish titles are data, in rules/orsaker.yaml.

A code is stable: ops, reports, the manual queue and stored verdicts refer to it. A manual verdict
carries one or more, each with a text that explains the case.
"""

from __future__ import annotations

from enum import StrEnum


class Code(StrEnum):
    INVALID_APPLICATION = "INVALID_APPLICATION"
    NYANSOKAN = "NYANSOKAN"
    SKYDDAD_IDENTITET = "SKYDDAD_IDENTITET"
    ANDRAT_HUSHALL = "ANDRAT_HUSHALL"
    BARN_ALDER = "BARN_ALDER"
    RIKSNORM_SAKNAS = "RIKSNORM_SAKNAS"
    STICKPROV = "STICKPROV"
    AKTIVITET_SAKNAS = "AKTIVITET_SAKNAS"
    AKTIVITET_NARVARO = "AKTIVITET_NARVARO"
    AKTIVITET_UNDANTAG = "AKTIVITET_UNDANTAG"
    AKTIVITETSKRAV_TIMMAR = "AKTIVITETSKRAV_TIMMAR"
    AF_EJ_INSKRIVEN = "AF_EJ_INSKRIVEN"
    AKTIVITETSRAPPORT_SAKNAS = "AKTIVITETSRAPPORT_SAKNAS"
    KOSTNAD_ALLTID_MANUELL = "KOSTNAD_ALLTID_MANUELL"
    KOSTNAD_OVER_SCHABLON = "KOSTNAD_OVER_SCHABLON"
    KOSTNAD_UNDER_SCHABLON = "KOSTNAD_UNDER_SCHABLON"
    SCHABLON_SAKNAS = "SCHABLON_SAKNAS"
    INKOMST_EJ_UPPGIVEN = "INKOMST_EJ_UPPGIVEN"
    INKOMST_AVVIKER = "INKOMST_AVVIKER"
    INKOMST_ANNAN_MANAD = "INKOMST_ANNAN_MANAD"
    SSBTEK_EJ_TILLGANGLIG = "SSBTEK_EJ_TILLGANGLIG"
    NORM_EJ_POSITIV = "NORM_EJ_POSITIV"
    TEKNISKT_FEL = "TEKNISKT_FEL"
    """The robot could not assess the application (an internal fault, or attempts used up)."""
    REKOMMENDATION_AVVISAD = "REKOMMENDATION_AVVISAD"
    """A handläggare did not accept the robot's recommendation (a queue code, never the chain's)."""
