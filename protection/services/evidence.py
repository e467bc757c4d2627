"""Evidence on a case: text and photos from either side or staff, images checked like listing images."""
from django.db import transaction
from django.utils.translation import gettext as _

from core import errors as core_errors
from core.errors import DomainError
from marketplace.services.images import make_thumbnail, sanitized_copy, validate_image
from protection.models import CaseEvent, CaseStatus, Evidence, Party
from protection.services import messages
from protection.services.cases import invalid
from protection.services.transitions import case_lock, record_event, require_party

MAX_PER_CASE = 30
# Evidence still matters while a ruling may come; once the case is over it is closed for additions.
ACCEPTING = {CaseStatus.REQUESTED, CaseStatus.REJECTED, CaseStatus.AWAITING_RETURN, CaseStatus.RETURN_SHIPPED,
             CaseStatus.AWAITING_REPLACEMENT, CaseStatus.ESCALATED, CaseStatus.APPROVED}


@transaction.atomic
def evidence_add(*, actor, case, text: str = "", file=None) -> Evidence:
    """Attach a note and/or a photo; the photo is re-encoded (no EXIF, no trailing bytes) with a thumbnail."""
    case = case_lock(case)
    party = require_party(actor, case, Party.BUYER, Party.MERCHANT, Party.STAFF)
    text = (text or "").strip()
    if not text and file is None:
        raise invalid("file", _("Add a photo or some text."))
    if len(text) > 2000:
        raise invalid("text", _("At most 2000 characters."))
    if case.status not in ACCEPTING:
        raise DomainError(core_errors.INVALID_TRANSITION, _("This case is over; evidence can no longer be added."),
                          status=409, current_status=case.status)
    if case.evidence.count() >= MAX_PER_CASE:
        raise invalid("file", _("A case holds at most %(n)d pieces of evidence.") % {"n": MAX_PER_CASE})
    evidence = Evidence(case=case, party=party, author=actor, text=text)
    if file is not None:
        info = validate_image(file)
        evidence.image = sanitized_copy(file, info)
        evidence.thumbnail = make_thumbnail(file)
    evidence.save()
    record_event(case=case, party=party, actor=actor, kind=CaseEvent.Kind.EVIDENCE)
    messages.evidence_added(case=case, party=party)
    return evidence
