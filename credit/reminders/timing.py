"""Pure time rules of reminders: quiet hours, when a reminder day falls due, when a channel may send."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class QuietHours:
    """[start, end) local time; wraps midnight when start > end; empty when start == end."""

    start: time
    end: time
    tz: ZoneInfo

    def contains(self, moment: datetime) -> bool:
        local = moment.astimezone(self.tz).time()
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_open(self, moment: datetime) -> datetime:
        """``moment`` itself when outside quiet hours, else the end of these quiet hours."""
        if not self.contains(moment):
            return moment
        local = moment.astimezone(self.tz)
        end = datetime.combine(local.date(), self.end, tzinfo=self.tz)
        if end <= local:  # in the evening part: the quiet hours end tomorrow morning
            end = datetime.combine(local.date() + timedelta(days=1), self.end, tzinfo=self.tz)
        return end

    def day_opens(self, day: date) -> datetime:
        """The first moment of ``day`` outside quiet hours: when that day's reminders fall due."""
        return self.next_open(datetime.combine(day, time(0, 0), tzinfo=self.tz))


def reminder_day_due(as_of: datetime, quiet: QuietHours) -> date | None:
    """The day whose reminders are due at ``as_of``: its own date, once that day's quiet hours are over."""
    day = as_of.astimezone(quiet.tz).date()
    return day if as_of >= quiet.day_opens(day) else None


def anchor_date(day: date, offset: int) -> date:
    """The due date (offset ≤ 0) or overdue-clock date (offset > 0) an instalment has on ``day``."""
    return day - timedelta(days=offset)


def retry_delay(attempt: int, *, base: int, cap: int) -> int:
    """Seconds before retry number ``attempt`` (1, 2, …): base, 2·base, 4·base, … capped."""
    return min(cap, base * 2 ** max(0, attempt - 1))
