"""validation_error: the shop rejected a form the customer filled correctly.

After a step that fills or submits a form, fields marked ``aria-invalid="true"`` (with their
``aria-describedby``/``aria-errormessage`` text or the browser's validation message) and elements
matching ``detect.validation_selectors`` are read. The scenario's data is correct by definition,
so a rejection is a shop fault: a broken validator or back-end data that fails. Evidence names
the field and the message.

Why it matters: a postcode or phone validator that rejects valid input stops every customer it
meets, and nobody sees an error in the logs.
"""

from __future__ import annotations

from typing import ClassVar

from cxmon.detectors.base import DetectorConfig, StepObservation
from cxmon.model import Finding, Kind
from cxmon.scenario import StepAction

# Actions that fill or submit a form: only after one of them can a field be rejected.
FORM_ACTIONS = frozenset(
    {StepAction.FILL, StepAction.SELECT, StepAction.CHECK, StepAction.PAY, StepAction.CLICK, StepAction.PRESS}
)


class ValidationErrorDetector:
    """Reports form fields the shop marked invalid after the customer filled or submitted them."""

    name: ClassVar[str] = "validation_error"

    def detect(self, obs: StepObservation, config: DetectorConfig) -> list[Finding]:
        snap = obs.snapshot
        if snap is None or not snap.invalid_fields or not any(a in FORM_ACTIONS for a in obs.actions):
            return []
        first = snap.invalid_fields[0]
        field = first.field or "a field"
        message = first.message or "marked invalid"
        return [
            obs.finding(
                Kind.VALIDATION_ERROR,
                f'the shop rejected {field}: "{message}"',
                field=field,
                validation_message=message,
                fields=[f"{f.field}: {f.message}" for f in snap.invalid_fields],
            )
        ]
