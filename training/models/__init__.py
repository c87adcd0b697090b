"""Training for the adults around left-behind children: programs, sessions, enrolment, attendance.

A program is what is taught (audience, delivery level, topics, materials, questionnaire); a session
is one meeting of it at a venue with trainers and a capacity. People enrol with or without an
account: a registry guardian or parent, a user (teachers, staff, volunteers) or a named walk-in
person with a phone. Seats are counted in ``Session.seats_taken`` (see ``training.enrolment``).
"""

from .participation import Attendance, CalendarFeed, CountyTrainingConfig, Enrolment, QuestionnaireResponse
from .programs import (
    Audience,
    Material,
    Program,
    Questionnaire,
    QuestionnaireItem,
    Session,
    SessionSeries,
    Venue,
)

__all__ = [
    "Attendance",
    "Audience",
    "CalendarFeed",
    "CountyTrainingConfig",
    "Enrolment",
    "Material",
    "Program",
    "Questionnaire",
    "QuestionnaireItem",
    "QuestionnaireResponse",
    "Session",
    "SessionSeries",
    "Venue",
]
