"""Signals other modules may listen to without the assessment importing them.

``external_trigger_created`` is sent after the import that created an
:class:`~qinqing.assessment.models.ExternalTrigger` has committed, with ``trigger_id``.
The supervision module connects a receiver that opens the supervision step (约谈 …) and
then calls ``qinqing.assessment.service.mark_trigger_handled``.
"""

from django.dispatch import Signal

external_trigger_created = Signal()  # kwargs: trigger_id
