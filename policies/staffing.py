"""When people are there to take a handoff, how long the queue may grow, and what we promise
when nobody can pick up (a callback time computed from the policy, never invented)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from policies.types import TimeZoneName

Day = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
DAYS: list[Day] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Shift(_Strict):
    opens: time
    closes: time

    @field_validator("closes", mode="before")
    @classmethod
    def _midnight(cls, v: object) -> object:
        # "24:00" is how people write "until midnight".
        return time.max if v in ("24:00", "24:00:00") else v

    @model_validator(mode="after")
    def _order(self) -> "Shift":
        if self.closes <= self.opens:
            raise ValueError("closes must be after opens (shifts past midnight: split them)")
        return self


class QueuePolicy(_Strict):
    max_waiting: int = Field(ge=1, description="More waiting than this: no one can pick up soon")
    minutes_per_waiting: float = Field(
        ge=0, description="Wait estimate per customer ahead, for the 'about N minutes' notice")


class CallbackPolicy(_Strict):
    within_hours: float = Field(gt=0, description="Business hours until someone calls back")


class StaffingPolicy(_Strict):
    version: str
    timezone: TimeZoneName = "Asia/Riyadh"
    hours: dict[Day, list[Shift]] = Field(description="Days left out are closed")
    closed_dates: list[date] = Field(default_factory=list, description="Public holidays")
    queue: QueuePolicy
    sla_minutes: dict[Literal["low", "normal", "high", "urgent"], int]
    callback: CallbackPolicy


    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def _shifts(self, day: date) -> list[Shift]:
        if day in self.closed_dates:
            return []
        return sorted(self.hours.get(DAYS[day.weekday()], []), key=lambda s: s.opens)

    def is_open(self, at: datetime) -> bool:
        local = at.astimezone(self.zone)
        return any(s.opens <= local.time() < s.closes for s in self._shifts(local.date()))

    def human_available(self, at: datetime, waiting: int) -> bool:
        return self.is_open(at) and waiting < self.queue.max_waiting

    def wait_minutes(self, waiting_ahead: int) -> int:
        return max(1, round((waiting_ahead + 1) * self.queue.minutes_per_waiting))

    def callback_by(self, at: datetime) -> datetime:
        """`callback.within_hours` of opening time counted from `at` (or the next opening)."""
        left = timedelta(hours=self.callback.within_hours)
        local = at.astimezone(self.zone)
        for offset in range(0, 60):
            day = local.date() + timedelta(days=offset)
            for shift in self._shifts(day):
                start = datetime.combine(day, shift.opens, self.zone)
                end = datetime.combine(day, shift.closes, self.zone)
                start = max(start, local)
                if start >= end:
                    continue
                if end - start >= left:
                    return start + left
                left -= end - start
        raise ValueError("the staffing policy has no open hours in the next 60 days")
