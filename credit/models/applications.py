"""Credit applications with their encrypted personal data, consent record and explainable decision."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.fields import EncryptedCharField
from core.pii import mask_id_number, mask_name, mask_phone


class IncomeBand(models.TextChoices):
    BELOW_3K = "below_3k", _("Below ¥3,000 a month")
    FROM_3K_TO_8K = "3k_8k", _("¥3,000–8,000 a month")
    FROM_8K_TO_15K = "8k_15k", _("¥8,000–15,000 a month")
    FROM_15K_TO_30K = "15k_30k", _("¥15,000–30,000 a month")
    ABOVE_30K = "above_30k", _("Above ¥30,000 a month")


class Relation(models.TextChoices):
    PARENT = "parent", _("Parent")
    SPOUSE = "spouse", _("Spouse")
    SIBLING = "sibling", _("Sibling")
    CHILD = "child", _("Child")
    FRIEND = "friend", _("Friend")
    COLLEAGUE = "colleague", _("Colleague")
    OTHER = "other", _("Other")


class ApplicationStatus(models.TextChoices):
    UNDER_REVIEW = "under_review", _("Under review")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


class CreditApplication(models.Model):
    """A buyer's request for a credit line: who they are, what they consented to, and the decision.

    Personal fields are encrypted; phone and ID number are found through blind indexes
    (to notice one identity applying from several accounts).
    """

    TRANSITIONS = {
        ApplicationStatus.UNDER_REVIEW: {ApplicationStatus.APPROVED, ApplicationStatus.DECLINED},
        # Staff may override a decision, including a new limit on an approved one.
        ApplicationStatus.APPROVED: {ApplicationStatus.APPROVED, ApplicationStatus.DECLINED},
        ApplicationStatus.DECLINED: {ApplicationStatus.APPROVED, ApplicationStatus.DECLINED},
    }

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT,
                             related_name="credit_applications")
    real_name = EncryptedCharField(_("real name"), max_length=100)
    id_number = EncryptedCharField(_("ID number"), max_length=32)
    id_number_index = models.CharField(_("ID number index"), max_length=64, db_index=True, editable=False)
    phone = EncryptedCharField(_("mobile phone"), max_length=32)
    phone_index = models.CharField(_("phone index"), max_length=64, db_index=True, editable=False)
    income_band = models.CharField(_("monthly income"), max_length=16, choices=IncomeBand.choices)
    terms_version = models.CharField(_("credit terms version consented to"), max_length=32)
    privacy_version = models.CharField(_("privacy notice version consented to"), max_length=32)
    consented_at = models.DateTimeField(_("consent given at"))
    consent_ip = EncryptedCharField(_("consent given from"), max_length=45, blank=True, default="")  # encrypted
    status = models.CharField(_("status"), max_length=16, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.UNDER_REVIEW, db_index=True)
    automatic_status = models.CharField(_("automatic decision"), max_length=16, choices=ApplicationStatus.choices)
    limit_amount = models.DecimalField(_("limit"), max_digits=14, decimal_places=2, default=0)
    automatic_limit_amount = models.DecimalField(_("automatic limit"), max_digits=14, decimal_places=2, default=0)
    # Reason codes and the factors behind the decision (no personal data: codes and counts only).
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    factors = models.JSONField(_("factors"), default=dict, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.TextField(_("staff note"), blank=True, max_length=2000)
    created = models.DateTimeField(_("submitted"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("credit application")
        verbose_name_plural = _("credit applications")
        permissions = [("decide_creditapplication", "Can decide or override credit applications")]
        constraints = [
            models.CheckConstraint(condition=Q(limit_amount__gte=0), name="credit_application_limit_not_negative"),
            models.CheckConstraint(condition=Q(automatic_limit_amount__gte=0),
                                   name="credit_application_auto_limit_not_negative"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.get_status_display()}"

    @property
    def real_name_masked(self) -> str:
        return mask_name(self.real_name)

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class ApplicationStatusChange(models.Model):
    application = models.ForeignKey(CreditApplication, verbose_name=_("application"), on_delete=models.CASCADE,
                                    related_name="status_changes")
    old_status = models.CharField(_("old status"), max_length=16, choices=ApplicationStatus.choices, blank=True)
    new_status = models.CharField(_("new status"), max_length=16, choices=ApplicationStatus.choices)
    old_limit_amount = models.DecimalField(_("old limit amount"), max_digits=14, decimal_places=2, null=True,
                                           blank=True)
    new_limit_amount = models.DecimalField(_("new limit amount"), max_digits=14, decimal_places=2, null=True,
                                           blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True,
                              on_delete=models.SET_NULL,
                              related_name="+")
    reason = models.CharField(_("reason"), max_length=2000, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("application status change")
        verbose_name_plural = _("application status changes")
        ordering = ["created", "pk"]

    def __str__(self):
        return f"#{self.application_id}: {self.get_old_status_display() or '∅'} → {self.get_new_status_display()}"


class EmergencyContact(models.Model):
    """Optional; encrypted; never messaged by the system and never an input to underwriting."""

    application = models.ForeignKey(CreditApplication, verbose_name=_("application"), on_delete=models.CASCADE,
                                    related_name="emergency_contacts")
    name = EncryptedCharField(_("name"), max_length=100)
    phone = EncryptedCharField(_("mobile phone"), max_length=32)
    relation = models.CharField(_("relation"), max_length=16, choices=Relation.choices)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("emergency contact")
        verbose_name_plural = _("emergency contacts")

    def __str__(self):
        return f"{self.get_relation_display()} {mask_name(self.name)}"

    @property
    def name_masked(self) -> str:
        return mask_name(self.name)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)
