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
    ARBETSFORMAGA_BEDOMS = "ARBETSFORMAGA_BEDOMS"
    AKTIVITET_EJ_STYRKT = "AKTIVITET_EJ_STYRKT"
    LON_NETTO_OKAND = "LON_NETTO_OKAND"
    ARBETSGIVARDEKLARATION_VANTAS = "ARBETSGIVARDEKLARATION_VANTAS"
    """Not an assessment: the employer's declaration for the control month is not due yet. The
    worker waits until the declaration day (never past the cut-off), then goes manual with it."""
    JOBBSTIMULANS_OKAND = "JOBBSTIMULANS_OKAND"
    BARNINKOMST_OKAND = "BARNINKOMST_OKAND"
    UNG_VUXEN_SKOLGANG_OKAND = "UNG_VUXEN_SKOLGANG_OKAND"
    UNG_VUXEN_EJ_SKOLGANG = "UNG_VUXEN_EJ_SKOLGANG"
    VAXELVIS_BOENDE = "VAXELVIS_BOENDE"
    PENSIONSALDER = "PENSIONSALDER"
    TILLGANGAR = "TILLGANGAR"
    UPPEHALL_I_BISTAND = "UPPEHALL_I_BISTAND"
    BARNBIDRAG_SAKNAS = "BARNBIDRAG_SAKNAS"
    BARNOMSORG_UTAN_BARN = "BARNOMSORG_UTAN_BARN"
    STUDIEHJALP_SAKNAS = "STUDIEHJALP_SAKNAS"
    INKOMSTTYP_MOTSAGS = "INKOMSTTYP_MOTSAGS"
    NARINGSVERKSAMHET = "NARINGSVERKSAMHET"
    """Skatteverket has the person registered for business (F-skatt, employer, VAT): a handläggare's assessment."""
    PARAMETER_SAKNAS = "PARAMETER_SAKNAS"
    """The rules have no value in force for a parameter the period needs (named in the text)."""
    PARAMETER_PRELIMINAR = "PARAMETER_PRELIMINAR"
    """A parameter value marked provisional was used: never a recommendation."""
    NORM_EJ_POSITIV = "NORM_EJ_POSITIV"
    TEKNISKT_FEL = "TEKNISKT_FEL"
    """The robot could not assess the application (an internal fault, or attempts used up)."""
    REKOMMENDATION_AVVISAD = "REKOMMENDATION_AVVISAD"
    """A handläggare did not accept the robot's recommendation (a queue code, never the chain's)."""
    ANSOKAN_KONFLIKT = "ANSOKAN_KONFLIKT"
    """The same application_id arrived again with other content: the new version is kept as its own
    manual item beside the first, unassessed (an intake code, never the chain's)."""
