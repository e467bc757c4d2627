"""Staff attempts to reach an unreachable buyer through one of their emergency contacts.

The system never messages an emergency contact. A credit officer with the permission
may try once the buyer has been unreachable for the configured time; the attempt uses
a fixed message that only asks the contact to pass on a request to call Fangxin (no
amount, no due date, nothing about credit), is recorded here and shown to the buyer in
their privacy centre. The workflow lives in credit/services/contact_attempts.py.
"""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from credit.models.applications import CreditApplication, EmergencyContact, Relation


class AttemptChannel(models.TextChoices):
    CALL = "call", _("Phone call by staff")
    SMS = "sms", _("Text message typed by staff")


class AttemptOutcome(models.TextChoices):
    PENDING = "pending", _("Not recorded yet")
    PASSED_ON = "passed_on", _("The contact agreed to pass on the message")
    NO_ANSWER = "no_answer", _("No answer")
    DECLINED = "declined", _("The contact declined")
    WRONG_NUMBER = "wrong_number", _("Wrong number")


class EmergencyContactAttempt(models.Model):
    """One staff attempt to reach a buyer through an emergency contact. The contact's data is not copied here."""

    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="emergency_contact_attempts", verbose_name=_("buyer"))
    application = models.ForeignKey(CreditApplication, on_delete=models.PROTECT, related_name="contact_attempts",
                                    verbose_name=_("credit application"))
    # SET_NULL: the buyer may remove their emergency contacts; the record of the attempt stays.
    contact = models.ForeignKey(EmergencyContact, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="attempts", verbose_name=_("emergency contact"))
    relation = models.CharField(_("relation"), max_length=16, choices=Relation.choices)
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("staff member"))
    channel = models.CharField(_("channel"), max_length=8, choices=AttemptChannel.choices)
    template_key = models.CharField(_("message template"), max_length=40)
    language = models.CharField(_("language of the message"), max_length=8, choices=settings.LANGUAGES)
    reason = models.CharField(_("reason"), max_length=500)
    outcome = models.CharField(_("outcome"), max_length=16, choices=AttemptOutcome.choices,
                               default=AttemptOutcome.PENDING)
    outcome_recorded_at = models.DateTimeField(_("outcome recorded at"), null=True, blank=True)
    created = models.DateTimeField(_("attempted at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("emergency contact attempt")
        verbose_name_plural = _("emergency contact attempts")
        permissions = [("attempt_emergency_contact",
                        "Can contact an emergency contact of a buyer who has been unreachable")]
        indexes = [models.Index(fields=["buyer", "-created"], name="credit_contact_attempt_buyer")]

    def __str__(self):
        return f"attempt #{self.pk} for buyer {self.buyer_id}"


class UnreachableBuyer(CreditApplication):
    """The credit applications in force of buyers who count as unreachable: the admin's work list."""

    class Meta:
        proxy = True
        verbose_name = _("unreachable buyer")
        verbose_name_plural = _("unreachable buyers")
