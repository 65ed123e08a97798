"""What a penalty decision takes from the discretion engine and the law library: the one place
the decision's services call them (issue 17, helper PEN; decision 39).

`evaluate` and `choose` are the discretion service's (helper DISC's `desktop.services.
discretion`, over `legal.discretion.engine`): the engine's evaluation of the facts under the
held standard, and its acceptance of the officer's choice (a refusal is its translated
`UserError` with the engine's code kept). `datasets` names the versions of the ``discretion``
standard and the ``laws`` library held now (`discretion.held`, helper LAW's
`law_library.held`), which every proposal records. Tests give the decision service the
engine's records directly (`penalty.record_proposal`, `penalty.record_choice`), so nothing
else in the penalty code depends on how these are computed.
"""

from __future__ import annotations

from gettext import gettext as _

from desktop.domain.errors import UserError
from desktop.domain.penalty import DatasetUsed
from desktop.store.store import Store
from legal.discretion.evaluation import Choice, Deviation, Evaluation, Facts

STANDARD_DATASET = "discretion"
LIBRARY_DATASET = "laws"
EXAMPLE_MARK = "（示例基准，非正式）"
SYNTHETIC_MARK = "（合成数据）"


def evaluate(store: Store, facts: Facts) -> Evaluation:
    """The engine's evaluation of `facts` under the standard held now."""
    from desktop.services import discretion

    return discretion.evaluate(store, facts)


def choose(evaluation: Evaluation, *, waive: bool, amount: int | None,
           deviation: Deviation | None) -> Choice:
    """The officer's choice as the engine accepts it (a translated UserError if refused)."""
    from desktop.services import discretion

    return discretion.choose(evaluation, waive=waive, amount=amount, deviation=deviation)


def datasets(store: Store) -> tuple[DatasetUsed, DatasetUsed | None]:
    """The standard held (required: nothing is evaluated without it) and the law library
    held (None when the bureau has none yet: the evaluation cites, it does not quote)."""
    from desktop.services import discretion, law_library

    standard = discretion.held(store)
    if standard is None:
        raise UserError(_("No discretion standard is held on this computer; it arrives from "
                          "HQ with the next synchronisation."))
    library = law_library.held(store)
    # The label is printed where the decision names its sources: an example standard or a
    # synthetic library says so there too.
    standard_label = f"{standard.title}（{standard.version_date}）" + (
        EXAMPLE_MARK if standard.example else "")
    return (DatasetUsed(STANDARD_DATASET, standard.version, standard.sha256, standard_label),
            None if library is None else DatasetUsed(
                LIBRARY_DATASET, library.version, library.sha256,
                library.edition + (SYNTHETIC_MARK if library.synthetic else "")))
