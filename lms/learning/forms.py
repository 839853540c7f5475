"""The mark-as-read button: a plain form so it works without JavaScript."""

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import AnyOf


class MarkReadForm(FlaskForm):
    """Mark something read (read=1) or unread (read=0)."""

    read = HiddenField(validators=[AnyOf(["0", "1"])])
