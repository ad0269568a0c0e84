"""Dutch (the report's) and English labels of the human-facing tables, figures and report."""

from __future__ import annotations

from collections.abc import Mapping

LANGUAGES: tuple[str, ...] = ("nl", "en")

_LABELS: dict[str, dict[str, str]] = {
    "nl": {
        # conditions (row labels; Table 1 prints them in lower case, as the report)
        "control": "Controle",
        "partial": "Gedeeltelijk",
        "full": "Volledig",
        # arms
        "experimental": "Experimenteel",
        # checklist domains and response
        "collection": "Verzameling",
        "use": "Benutting",
        "preconditions": "Randvoorwaarden",
        "total": "Totaalscore",
        "response": "Respons",
        # outcome domains
        "opgroei": "Opgroei",
        "opvoed": "Opvoed",
        # model terms
        "intercept": "Intercept",
        "pre_z": "Voormeting (z)",
        "sex": "Geslacht",
        "age": "Leeftijd",
        "duration_days": "Behandelduur (100 dagen)",
        # sample groups
        "all": "Alle jeugdigen",
        "boys": "Jongens",
        "girls": "Meisjes",
        # column heads
        "team": "Team",
        "period": "Periode",
        "domain": "Domein",
        "condition": "Conditie",
        "problem": "Probleem",
        "score": "Score LDJ Checklist",
        "response_pct": "Respons (%)",
        "pre": "Beginmeting",
        "post": "Eindmeting",
        "group": "Groep",
        "age_years": "Leeftijd (jaren)",
        "duration": "Behandelduur (dagen)",
        "range": "Range",
        "step": "Stap",
        "count": "Aantal",
        "outcome": "Uitkomst",
        "term": "Term",
        "clusters": "Teams",
        "mean_change": "Gem. verandering",
        "n_control": "N controle",
        "n_experimental": "N experimenteel",
        "m_control": "M controle",
        "m_experimental": "M experimenteel",
        # small-sample robustness
        "spec": "Model",
        "spec_study": "Studie",
        "spec_half_year": "+ halfjaar",
        "spec_team_fe_half_year": "+ team-FE + halfjaar",
        "mplus": "Mplus",
        "robustness_note": "Opmerking",
        "robustness_simulation": "Simulatie",
        "var_between": "Variantie tussen teams",
        "var_within": "Variantie binnen teams",
    },
    "en": {
        "control": "Control",
        "partial": "Partial",
        "full": "Full",
        "experimental": "Experimental",
        "collection": "Collection",
        "use": "Use",
        "preconditions": "Preconditions",
        "total": "Total score",
        "response": "Response",
        "opgroei": "Child problems",
        "opvoed": "Parenting problems",
        "intercept": "Intercept",
        "pre_z": "Pre-test (z)",
        "sex": "Sex",
        "age": "Age",
        "duration_days": "Treatment duration (100 days)",
        "all": "All clients",
        "boys": "Boys",
        "girls": "Girls",
        "team": "Team",
        "period": "Period",
        "domain": "Domain",
        "condition": "Condition",
        "problem": "Problem",
        "score": "LDJ Checklist score",
        "response_pct": "Response (%)",
        "pre": "Start of care",
        "post": "End of care",
        "group": "Group",
        "age_years": "Age (years)",
        "duration": "Treatment duration (days)",
        "range": "Range",
        "step": "Step",
        "count": "Count",
        "outcome": "Outcome",
        "term": "Term",
        "clusters": "Teams",
        "mean_change": "Mean change",
        "n_control": "N control",
        "n_experimental": "N experimental",
        "m_control": "M control",
        "m_experimental": "M experimental",
        "spec": "Model",
        "spec_study": "Study",
        "spec_half_year": "+ half-year",
        "spec_team_fe_half_year": "+ team FE + half-year",
        "mplus": "Mplus",
        "robustness_note": "Note",
        "robustness_simulation": "Simulation",
        "var_between": "Between-team variance",
        "var_within": "Within-team variance",
    },
}

TITLES: dict[str, dict[str, str]] = {
    "nl": {
        "table1": "Tabel 1. Onderzoeksconditie per periode per team",
        "table2": "Tabel 2. Scores op de LDJ Checklist per onderzoeksconditie",
        "table3": "Tabel 3. Responspercentage per onderzoeksconditie",
        "table4": "Tabel 4. Gemiddelde z-scores (M) bij begin en einde hulp en effectsizes (ES) "
        "per conditie en probleemgebied bij de behandelde jongeren en gezinnen (N)",
        "sample": "Beschrijving van de onderzoeksgroep",
        "flow": "Stroom van records: van export tot geanalyseerde paren",
        "checklist_response": "Regressie van Checklistscores en respons op conditie",
        "outcomes": "Regressie van de eindmeting (z) op conditie",
        "baseline_ttests": "Beginsituatie: controle- en experimentele teams bij de eerste meting",
        "prepost_tests": "Verandering tussen begin- en eindmeting per conditie en probleemgebied",
        "robustness": "Robuustheid van de conditie-effecten: p volgens kleine-steekproefmethoden "
        "en bij correctie voor tijd",
        "icc": "Intraclasscorrelatie (ICC) van de uitkomsten op teamniveau",
    },
    "en": {
        "table1": "Table 1. Research condition per period per team",
        "table2": "Table 2. LDJ Checklist scores per research condition",
        "table3": "Table 3. Response percentage per research condition",
        "table4": "Table 4. Mean z-scores (M) at start and end of care and effect sizes (ES) "
        "per condition and problem domain of the treated children and families (N)",
        "sample": "Description of the sample",
        "flow": "Record flow: from export to analysed pairs",
        "checklist_response": "Regression of Checklist scores and response on condition",
        "outcomes": "Regression of the end-of-care z-score on condition",
        "baseline_ttests": "Baseline: control-arm and experimental teams at the first measurement",
        "prepost_tests": "Change from start to end of care per condition and problem domain",
        "robustness": "Robustness of the condition effects: p under small-sample methods and "
        "with adjustment for time",
        "icc": "Intraclass correlation (ICC) of the outcomes at team level",
    },
}

NOTES: dict[str, dict[str, str]] = {
    "nl": {
        "table1": "Noot. Halfjaarlijkse perioden van dataverzameling; - = geen meting. "
        "Condities: geen feedbacksysteem (controle), feedbacksysteem gedeeltelijk en "
        "volledig geïmplementeerd.",
        "table2": "Noot. Scores op een schaal van 0 tot 100. De N is een optelling van alle teams "
        "die tot de betreffende conditie behoorden over alle meetmomenten heen.",
        "table3": "Noot. De N betreft het aantal teams en perioden waarin de respons voor een "
        "bepaalde conditie berekend was.",
        "table4": "Noot. Interpretatie z-scores: < 1,00: geen problemen, 1,00 - 1,28: milde "
        "problemen, 1,29 - 1,64: aanzienlijke problemen, 1,65 - 1,96: ernstige problemen, "
        "> 1,96: zeer ernstige problemen.",
        "models": "Noot. B = ongestandaardiseerde coëfficiënt, β = gestandaardiseerde coëfficiënt "
        "(STDYX); standaardfouten gecorrigeerd voor clustering in teams; p tweezijdig.",
        "suppressed": "{marker} = onderdrukt: berust op minder dan {k} cliënten.",
        "flow_suppressed": "<{k} = minder dan {k} records, maar meer dan 0 (onderdrukt).",
        "model_small": "Model {outcome}: een conditiegroep telt minder dan {k} cliënten; "
        "de conditietermen zijn onderdrukt.",
        "model_all_small": "Model {outcome}: minder dan {k} cliënten; het model is onderdrukt.",
        "range_hidden": "Minimum en maximum van cliëntkenmerken worden niet gepubliceerd "
        "(één cliënt per waarde).",
        "robustness": "Noot. B = ongestandaardiseerde coëfficiënt (Mplus-schatting); p tweezijdig. "
        "Mplus = clustergecorrigeerde z-toets van de studie (CR1); CR2 en CR3 = "
        "biasgereduceerde sandwich met Satterthwaite-vrijheidsgraden; WCR = wild cluster "
        "restricted bootstrap; JK-FIML = jackknife (één team weggelaten) van de FIML-schatting. "
        "CR2, CR3 en WCR gebruiken bij de uitkomstmodellen de volledige waarnemingen. Studie = "
        "het model van de studie; + halfjaar = met kalenderhalfjaar-effecten; + team-FE + "
        "halfjaar = ook met vaste teameffecten (vergelijking binnen teams). Holm- en "
        "Benjamini-Hochberg-gecorrigeerde p-waarden staan in small_sample.csv.",
        "robustness_alpha": "* = p < {alpha} (models.alpha).",
        "robustness_undefined": "- = methode niet gedefinieerd voor dit model (bijv. CR3 met vaste "
        "teameffecten: I - H_gg is singulier, zoals in clubSandwich); reden in small_sample.csv.",
        "robustness_differs": "wijkt af van Mplus: {methods}",
        "robustness_simulation": "Simulatie = bij een significante bevinding de p van elke "
        "methode die in de ontwerpsimulatie haar alfa houdt (95%-Monte-Carlo-interval zonder "
        "effect bereikt alfa of ligt eronder) en het oordeel: houdt stand als elk ervan het "
        "vindt, verzwakt als sommige, houdt geen stand als geen (zie Bevindingen).",
        "icc": "Noot. ICC = variantie tussen teams / totale variantie (REML, "
        "random-interceptmodel, begrensd op 0); Checklistscores en respons over team-perioden, "
        "eindmeting (z) over cliënten.",
        "term_units": "B en SE van behandelduur per 100 dagen (β per standaarddeviatie).",
    },
    "en": {
        "table1": "Note. Half-year periods of data collection; - = no measurement. Conditions: "
        "no feedback system (control), feedback system partially and fully implemented.",
        "table2": "Note. Scores on a 0-100 scale. N counts the team-periods in the condition "
        "over all measurement moments.",
        "table3": "Note. N is the number of team-periods in which response was computed for "
        "the condition.",
        "table4": "Note. z-scores: < 1.00 no problems, 1.00 - 1.28 mild, 1.29 - 1.64 "
        "considerable, 1.65 - 1.96 severe, > 1.96 very severe problems.",
        "models": "Note. B = unstandardized coefficient, β = standardized coefficient (STDYX); "
        "standard errors corrected for clustering in teams; p two-sided.",
        "suppressed": "{marker} = suppressed: rests on fewer than {k} clients.",
        "flow_suppressed": "<{k} = fewer than {k} records, but more than 0 (suppressed).",
        "model_small": "Model {outcome}: a condition group has fewer than {k} clients; the "
        "condition terms are suppressed.",
        "model_all_small": "Model {outcome}: fewer than {k} clients; the model is suppressed.",
        "range_hidden": "Minima and maxima of client characteristics are not published "
        "(one client per value).",
        "robustness": "Note. B = unstandardized coefficient (Mplus estimate); p two-sided. "
        "Mplus = the study's cluster-robust z-test (CR1); CR2 and CR3 = bias-reduced sandwich "
        "with Satterthwaite degrees of freedom; WCR = wild cluster restricted bootstrap; "
        "JK-FIML = leave-one-team-out jackknife of the FIML estimate. In the outcome models "
        "CR2, CR3 and WCR use the complete cases. Study = the study's model; + half-year = "
        "with calendar half-year effects; + team FE + half-year = also with team fixed effects "
        "(within-team contrast). Holm and Benjamini-Hochberg adjusted p-values are in "
        "small_sample.csv.",
        "robustness_alpha": "* = p < {alpha} (models.alpha).",
        "robustness_undefined": "- = method undefined for this model (e.g. CR3 with team fixed "
        "effects: I - H_gg is singular, as in clubSandwich); reason in small_sample.csv.",
        "robustness_differs": "differs from Mplus: {methods}",
        "robustness_simulation": "Simulation = for a significant finding the p of every method "
        "that keeps alpha in the design simulation (95% Monte Carlo interval without an effect "
        "reaches alpha or lies below it) and the verdict: holds when every one finds it, "
        "weakens when some do, does not hold when none do (see Findings).",
        "icc": "Note. ICC = between-team variance / total variance (REML, random-intercept "
        "model, bounded at 0); Checklist scores and response over team-periods, end-of-care z "
        "over clients.",
        "term_units": "B and SE of treatment duration per 100 days (β per standard deviation).",
    },
}


#: Dutch text of the record-flow steps that ``descriptives.flow`` writes; others stay as they are.
FLOW_NL: dict[str, str] = {
    "questionnaire records in the export": "vragenlijstrecords in de export",
    "excluded: record breaks the export contract (validation)": "uitgesloten: record voldoet "
    "niet aan het exportcontract (validatie)",
    "questionnaire records after validation": "vragenlijstrecords na validatie",
    "excluded: interim list (occasion tussen)": "uitgesloten: tussenmeting",
    "excluded: instrument not used in the study": "uitgesloten: instrument niet in het onderzoek",
    "excluded: raw total missing (incomplete list)": "uitgesloten: geen totaalscore "
    "(onvolledige lijst)",
    "excluded: end list without a treatment of its client at its date": "uitgesloten: eindlijst "
    "zonder behandeling van de cliënt op die datum",
    "excluded: informant not used (not in the informant priority)": "uitgesloten: informant "
    "niet gebruikt (niet in de informantvolgorde)",
    "excluded: end list outside every period of its team": "uitgesloten: eindlijst buiten "
    "de perioden van het team",
    "excluded: end list of an instrument its team did not use that period": "uitgesloten: "
    "eindlijst van een instrument dat het team die periode niet gebruikte",
    "excluded: duplicate list of one informant at one occasion": "uitgesloten: dubbele lijst "
    "van één informant op één meetmoment",
    "excluded: end list without a matching start list": "uitgesloten: eindlijst zonder "
    "passende beginlijst",
    "excluded: pair not selected (informant priority or another pair of the client)": (
        "uitgesloten: paar niet gekozen (informantvolgorde of ander paar van de cliënt)"
    ),
    "excluded: start list that fits no selected end list": "uitgesloten: beginlijst zonder "
    "gekozen eindlijst",
    "excluded: list of a pair without a norm group": "uitgesloten: lijst van een paar zonder "
    "normgroep",
    "lists in analysed pairs": "lijsten in geanalyseerde paren",
    "pairs selected": "geselecteerde paren",
    "pairs without a norm group (excluded)": "paren zonder normgroep (uitgesloten)",
    "pairs analysed": "geanalyseerde paren",
    "pairs analysed: opgroei": "geanalyseerde paren: opgroei",
    "pairs analysed: opvoed": "geanalyseerde paren: opvoed",
    "clients in analysed pairs": "cliënten in geanalyseerde paren",
}


def flow_step(step: str, language: str) -> str:
    """A record-flow step in ``language`` (unknown steps are shown as written)."""
    return FLOW_NL.get(step, step) if check_language(language) == "nl" else step


def check_language(language: str) -> str:
    """Return ``language`` if supported, else raise ValueError."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, got {language!r}")
    return language


def text(texts: Mapping[str, Mapping[str, str]], key: str, language: str, **fields: object) -> str:
    """The text ``key`` of a module's NL/EN ``texts`` in ``language``, its fields filled in
    (each module binds its own: ``_t = partial(text, _TEXT)``)."""
    return texts[check_language(language)][key].format(**fields)


def label(key: object, language: str) -> str:
    """The label of a code or column head; unknown codes are shown as they are."""
    text = str(key)
    return _LABELS[check_language(language)].get(text, text.replace("_", " "))


def title(name: str, language: str) -> str:
    return TITLES[check_language(language)].get(name, name)


def note(name: str, language: str, **fields: object) -> str:
    text = NOTES[check_language(language)].get(name, "")
    return text.format(**fields) if fields else text
