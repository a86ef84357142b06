"""What the dossier announces, for the apps above it to react without being imported here."""

from django.dispatch import Signal

#: Sent inside the transaction of an eligibility decision: `application`, `outcome`.
#: (The review, in selection, moves an eligible dossier whose reviews are all in to "reviewed".)
eligibility_decided = Signal()
