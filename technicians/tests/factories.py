from datetime import time, timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.tests.factories import TechnicianUserFactory
from technicians.models import (
    ScheduleWindow,
    Specialization,
    Technician,
    TimeOff,
    Weekday,
)


class TechnicianFactory(DjangoModelFactory):
    """A verified, available technician; `TechnicianFactory(areas=[area])` sets the areas served."""

    class Meta:
        model = Technician
        skip_postgeneration_save = True

    user = factory.SubFactory(TechnicianUserFactory)
    specialization = Specialization.NURSE
    certifications = factory.LazyFunction(
        lambda: [{"name": "Registered nurse", "issuer": "Nursing and Midwifery Council", "expiry": "2030-12-31"}]
    )
    experience_years = 6
    license_number = factory.Sequence(lambda n: f"LIC-{n:06d}")
    bio = "Community nurse with years of home-visit experience."
    is_available = True
    is_verified = True
    verified_at = factory.Maybe("is_verified", yes_declaration=factory.LazyFunction(timezone.now))
    is_active = True

    @factory.post_generation
    def areas(self, create, extracted, **kwargs):
        if create and extracted:
            self.service_areas.add(*extracted)


class ScheduleWindowFactory(DjangoModelFactory):
    class Meta:
        model = ScheduleWindow

    technician = factory.SubFactory(TechnicianFactory)
    weekday = Weekday.MONDAY
    start_time = time(8, 0)
    end_time = time(18, 0)


def give_weekly_schedule(technician, *, start=time(8, 0), end=time(18, 0), weekdays=Weekday.values):
    """One window per weekday (Monday to Sunday by default) from `start` to `end`."""
    return [
        ScheduleWindowFactory(technician=technician, weekday=day, start_time=start, end_time=end) for day in weekdays
    ]


class TimeOffFactory(DjangoModelFactory):
    class Meta:
        model = TimeOff

    technician = factory.SubFactory(TechnicianFactory)
    start_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=7))
    end_date = factory.LazyAttribute(lambda o: o.start_date + timedelta(days=2))
    reason = "Training course"
