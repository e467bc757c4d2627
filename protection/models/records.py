"""What happened on a case (its timeline) and what each side showed (evidence)."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from protection.models.cases import CaseStatus, Party


class CaseEvent(models.Model):
    """One line of a case's timeline: a status change, or a note such as new evidence."""

    class Kind(models.TextChoices):
        STATUS = "status", _("Status changed")
        EVIDENCE = "evidence", _("Evidence added")

    case = models.ForeignKey("protection.AfterSalesCase", verbose_name=_("case"), on_delete=models.CASCADE,
                             related_name="events")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.STATUS)
    old_status = models.CharField(_("old status"), max_length=24, choices=CaseStatus.choices, blank=True)
    new_status = models.CharField(_("new status"), max_length=24, choices=CaseStatus.choices, blank=True)
    party = models.CharField(_("party"), max_length=16, choices=Party.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True,
                              on_delete=models.SET_NULL,
                              related_name="+")
    note = models.CharField(_("note"), max_length=1000, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["created", "pk"]

    def __str__(self):
        if self.new_status:
            return f"#{self.case_id}: {self.get_old_status_display() or '∅'} → {self.get_new_status_display()}"
        return f"#{self.case_id}: {self.note[:40]}"


def evidence_path(instance, filename):
    return f"after-sales/{instance.case_id}/{filename}"


class Evidence(models.Model):
    """Text and/or a photo one side (or staff) adds to a case; images are re-encoded without metadata."""

    case = models.ForeignKey("protection.AfterSalesCase", verbose_name=_("case"), on_delete=models.CASCADE,
                             related_name="evidence")
    party = models.CharField(_("submitted by"), max_length=16, choices=Party.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True,
                               on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(_("text"), blank=True, max_length=2000)
    image = models.ImageField(_("photo"), upload_to=evidence_path, blank=True, width_field="width",
                              height_field="height")
    thumbnail = models.ImageField(_("thumbnail"), upload_to=evidence_path, blank=True)
    width = models.PositiveIntegerField(_("width"), default=0)
    height = models.PositiveIntegerField(_("height"), default=0)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["created", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(text="") | ~Q(image=""),
                                              name="protection_evidence_not_empty")]

    def __str__(self):
        return f"evidence #{self.pk} ({self.party})"
