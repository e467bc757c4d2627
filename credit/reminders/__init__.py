"""Repayment reminders (SPEC §3): a frequent, set-based sweep records each due reminder with its
in-site message; e-mail and SMS go out through idempotent Celery tasks.

The rules, in one place:

* **Kinds.** Each policy offset is a kind: 3 and 1 days before the due date
  (``before_3d``, ``before_1d``), on it (``due_day``), 1, 3 and 7 days overdue
  (``overdue_1d`` …). Before and on the due date count from ``due_date``; after it
  from the overdue clock (``clock_date``: the due date moved on by the days the
  plan was paused), so days in an after-sales case are never overdue days.
* **The day and quiet hours.** A reminder's day is its anchor date plus its
  offset. It falls due at the first moment of that day outside quiet hours: with
  the default 22:00–08:00 (Asia/Shanghai) at 08:00. A sweep at time T records the
  reminders of T's date that have fallen due (07:59: none yet; 08:00: all of them).
  It looks at T's date only: a missed day is caught up by an operator with
  ``send_due_reminders --as-of``.
* **Channels.** The in-site message is written with the reminder, in the same
  transaction, at any hour (it rings nobody's phone). E-mail and SMS go out only
  outside quiet hours *of the real clock*: a delivery created at 22:00 or later
  (an evening sweep, a late catch-up, a task retried into the night) is held with
  ``not_before`` = the next 08:00 and enqueued by the first sweep after it.
* **Who.** The buyer only, on the channels they keep on
  (``/api/v1/me/notification-preferences/``): a channel switched off (or no
  e-mail address / phone) gets no delivery row. Emergency contacts are never read.
* **Paused.** An instalment paused by an open after-sales case gets no reminder
  while paused (no overdue reminder in particular); after the case, overdue
  reminders follow the moved overdue clock.
* **Exactly once.** The unique (installment, kind) row; a delivery is claimed and
  marked sent with conditional UPDATEs, so a redelivered task (acks_late) does
  nothing twice. No ETA task is scheduled days ahead; every sweep also re-enqueues
  deliveries whose task was lost (a crashed worker, a broker outage).
"""
