"""Forms of the registry pages.

Every form lists its fields explicitly; the views hand ``cleaned_data`` to a service, which again
writes only its own list of writable fields. Choice lists of places come from the user's scope.
"""

from lbc.forms.auth import LoginForm
from lbc.forms.children import ChildFilterForm, ChildForm
from lbc.forms.fields import DateInput, clean_phone_number, pick_one
from lbc.forms.people import ConsentForm, GuardianForm, ParentForm

__all__ = [
    "ChildFilterForm",
    "ChildForm",
    "ConsentForm",
    "DateInput",
    "GuardianForm",
    "LoginForm",
    "ParentForm",
    "clean_phone_number",
    "pick_one",
]
